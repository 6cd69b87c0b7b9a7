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

Check cell right after it, metadata ``{"nbgrader": {"grade": true, "solution": false, "locked":
true,
"grade_id": "check_<id>", "points": P, "schema_version": 3}}`` with P the exercise's points
(``bplearn exercises`` lists them; ``bplearn release`` refuses a mismatch), tag
``nbval-check-output``. It imports the graded check itself (see ``graded.py``: under nbgrader a
failing check fails the
cell)::

    from bplearn.exercises.graded import check
    check("linear_forward", linear_forward)

It shows a verdict (HTML in Jupyter, text elsewhere) and returns a CheckResult (passed, points,
max_points, diagnosis, message).  One check call per exercise, in a grade cell; ``bplearn grade``
checks the answer as it is right after this cell.

Cells after an exercise go on with the learner's function if it passes, bplearn's reference
otherwise (with a one-line note).  Bind the result to a NEW name; never rebind the learner's own
name::

    forward = mine_or_reference("linear_forward", linear_forward)
    Z = forward(X, W, b)

Exercise ids and signatures: ``bplearn exercises`` or ``exercise_ids()``.  Diagnosis codes:
``DIAGNOSES``.

Adding exercises (one module per notebook)
------------------------------------------
Write ``bplearn/exercises/nb<NN>_<topic>.py`` (e.g. ``nb04b_autodiff.py``) that defines
``EXERCISES = [...]``, a list of ``FunctionExercise`` (a function checked against a reference, with
its own ``Mistake`` models) or ``CustomExercise`` (your own ``collect`` and ``judge``) objects, and
does nothing else on import.  Import only from the leaf modules and bplearn's core, with these
paths::

    from ..layers import relu_backward                         # references: bplearn's own functions
    from .base import CustomExercise, Exercise
    from .cases import F32, F64, Case, Fn, Rng, Size, normal, classification_cases, ...
    from .compare import close, compare, factor                # the one definition of "close"
    from .diagnose import Mistake, Trial, diagnose, diagnose_array, explain
    from .evidence import describe
    from .function_exercise import FunctionExercise            # (Case, Mistake, Output too)
    from .outputs import Leaf, Output
    from .result import Verdict

never from ``bplearn.exercises`` itself, ``registry``, ``check`` or another notebook's module.  Then
add one line to ``registry.py``: ``from . import nb<NN>_<topic>``.  A notebook module over 400
lines puts one exercise's whole definition, or its mistake models, into a leaf module of that
notebook (``nb04a_activations``, ``nb04b_graph_exercises``, ``nb09_capstone_mistakes``): same
imports, no ``EXERCISES``, imported by its notebook module only, not registered.
``tests/course/test_import_graph.py`` fails on an import circle or an upward import.

An answer that needs objects (a network and its optimiser) is still a FunctionExercise: a
``cases.Setup`` builds them fresh for each call, ``observe`` records what counts besides the return
value, and each common mistake is a ``Mistake`` whose function is a variant of the reference
(``nb06_training.py``).  A ``CustomExercise`` hands its arrays to ``diagnose`` (one ``Trial`` per
case) or ``diagnose_array`` (``nb09_capstone.py``).

Modules, leaves first (each imports only modules above it, and bplearn's core)::

    display, evidence, compare, cases   leaves (numpy only): how a verdict looks, evidence as data,
                                        comparing arrays, test cases and the sizes a factor may be
    outputs, factors                    Output and Leaf: what an answer returns, named; naming a
                                        factor (-1, 1/N, 1/(N·C), 1.5)
    result                              Verdict, CheckResult, DIAGNOSES
    base                                Exercise, CustomExercise
    diagnose                            Mistake, Trial, and how a wrong answer is wrong (from
                                        arrays handed to it)
    function_exercise, init_exercise    FunctionExercise, InitExercise
    nb04a_activations, ...              a notebook's leaf modules: part of its exercises
    nb00_start ... nb09_capstone        each notebook's EXERCISES
    registry                            id -> Exercise, built from the nb modules
    provenance                          the bplearn functions an answer calls (uses_reference)
    check, fallback                     check(), mine_or_reference()
"""

from .base import CustomExercise, Exercise
from .cases import Case, Fn, Rng, Size
from .check import check
from .diagnose import Mistake
from .fallback import mine_or_reference
from .function_exercise import FunctionExercise
from .registry import exercise_ids, get, register
from .result import DIAGNOSES, CheckResult, Verdict

__all__ = [
    "check",
    "mine_or_reference",
    "CheckResult",
    "Verdict",
    "DIAGNOSES",
    "exercise_ids",
    "get",
    "register",
    "Exercise",
    "CustomExercise",
    "FunctionExercise",
    "Case",
    "Mistake",
    "Rng",
    "Fn",
    "Size",
]
