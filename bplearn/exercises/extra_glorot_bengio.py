from .nb10_glorot_bengio import EXERCISES
from .registry import register

for _exercise in EXERCISES:
    register(_exercise)
