"""Exercises that teach: checks that say what is wrong, and a way forward when you are stuck.

In a notebook:

    from bplearn.exercises import check, mine_or_reference

    def linear_forward(X, W, b):
        ...                                           # your code
    check("linear_forward", linear_forward)           # shows a verdict; returns a CheckResult

    forward = mine_or_reference("linear_forward", linear_forward)   # yours if it passes, else bplearn's

Exercise ids and signatures: ``bplearn exercises`` on the command line, or ``exercise_ids()``.
Diagnosis codes: ``DIAGNOSES``.  Adding an exercise: see ``registry.py``.
"""
from .check import check
from .diagnose import Size
from .fallback import mine_or_reference
from .function_exercise import Case, Fn, FunctionExercise, Mistake, Rng
from .registry import CustomExercise, Exercise, exercise_ids, get, register
from .result import DIAGNOSES, CheckResult, Verdict

__all__ = ["check", "mine_or_reference", "CheckResult", "Verdict", "DIAGNOSES", "exercise_ids", "get",
           "register", "Exercise", "CustomExercise", "FunctionExercise", "Case", "Mistake", "Rng", "Fn", "Size"]
