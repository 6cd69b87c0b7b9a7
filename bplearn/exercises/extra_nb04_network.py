from .nb04_network import EXERCISES
from .registry import register

for _exercise in EXERCISES:
    register(_exercise)
