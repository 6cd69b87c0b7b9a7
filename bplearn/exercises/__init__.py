"""Exercises that teach: checks that say what is wrong, and a way forward when you are stuck.

In a notebook (the calls a course notebook makes)
-------------------------------------------------
Set-up cell (locked)::

    from bplearn.exercises import check, mine_or_reference

Solution cell, metadata ``{"nbgrader": {"grade": false, "solution": true, "locked": false,
"grade_id": "<id>", "schema_version": 3}}``; the function has exactly the exercise's signature::

    def linear_forward(X, W, b):
        ### BEGIN SOLUTION
        return X @ W + b
        ### END SOLUTION

Check cell right after it, metadata ``{"nbgrader": {"grade": true, "solution": false, "locked": true,
"grade_id": "check_<id>", "points": P, "schema_version": 3}}`` with P the exercise's points
(``bplearn exercises`` lists them; ``bplearn release`` refuses a mismatch), tag ``nbval-check-output``.
It imports the graded check itself (see ``graded.py``: under nbgrader a failing check fails the cell)::

    from bplearn.exercises.graded import check
    check("linear_forward", linear_forward)

It shows a verdict (HTML in Jupyter, text elsewhere) and returns a CheckResult (passed, points,
max_points, diagnosis, message).  One check call per exercise, in a grade cell; ``bplearn grade`` checks
the answer as it is right after this cell.

Cells after an exercise go on with the learner's function if it passes, bplearn's reference otherwise
(with a one-line note).  Bind the result to a NEW name; never rebind the learner's own name::

    forward = mine_or_reference("linear_forward", linear_forward)
    Z = forward(X, W, b)

Exercise ids and signatures: ``bplearn exercises`` or ``exercise_ids()``.  Diagnosis codes: ``DIAGNOSES``.
A new exercise: a module ``bplearn/exercises/extra_<topic>.py`` that calls ``register(...)`` with a
``FunctionExercise`` (a function checked against a reference, with its own ``Mistake`` models) or a
``CustomExercise`` (your own ``collect`` and ``judge``); see ``registry.py``.
"""
from .check import check
from .diagnose import Size
from .fallback import mine_or_reference
from .function_exercise import Case, Fn, FunctionExercise, Mistake, Rng
from .registry import CustomExercise, Exercise, exercise_ids, get, register
from .result import DIAGNOSES, CheckResult, Verdict

__all__ = ["check", "mine_or_reference", "CheckResult", "Verdict", "DIAGNOSES", "exercise_ids", "get",
           "register", "Exercise", "CustomExercise", "FunctionExercise", "Case", "Mistake", "Rng", "Fn", "Size"]
