"""The registry of exercises: a stable id -> an Exercise, built from the notebook modules listed
below.

Each module ``nb<NN>_<topic>.py`` defines ``EXERCISES``, a list of Exercise objects, and nothing
else happens when it is imported.  ``MODULES`` below lists them in name order (which is course
order: nb04_backward, nb04b_autodiff, nb05_update, ...). The registry is built from their lists
once, when this module is imported, so an exercise exists wherever checks run (the notebook's
kernel, the grader's own process, ``bplearn progress``). Adding a notebook's exercises: import its
module here and add it to ``MODULES``.

``register`` stays for an author trying out a new exercise in a notebook cell; the built-in course
never calls it (an exercise registered only in a notebook is unknown to the grader).
"""

from difflib import get_close_matches

# The exercise modules, one line each, in course order.
from . import (
    nb00_start,
    nb01_forward,
    nb02_loss,
    nb03_chain_rule,
    nb04_backward,
    nb04_network,
    nb04a_new_operations,
    nb04b_autodiff,
    nb05_update,
    nb06_training,
    nb07_vanishing,
    nb08_remedies,
    nb08b_residual,
    nb09_capstone,
    nb09_trained,
    nb10_glorot_bengio,
    nb11_language_model,
)
from .base import Exercise

#: Every exercise module, in course (= name) order.
MODULES = (
    nb00_start,
    nb01_forward,
    nb02_loss,
    nb03_chain_rule,
    nb04_backward,
    nb04_network,
    nb04a_new_operations,
    nb04b_autodiff,
    nb05_update,
    nb06_training,
    nb07_vanishing,
    nb08_remedies,
    nb08b_residual,
    nb09_capstone,
    nb09_trained,
    nb10_glorot_bengio,
    nb11_language_model,
)

_REGISTRY = {}


def register(exercise, replace=False):
    """Add ``exercise`` to the registry under ``exercise.id`` and return it.

    Registering an id twice is an error unless ``replace=True`` (handy while writing a notebook).
    """
    if not isinstance(exercise, Exercise):
        raise TypeError(f"register: expected an Exercise, got {type(exercise).__name__}")
    if not exercise.id or not exercise.id.replace("_", "").isalnum():
        raise ValueError(f"register: exercise ids are words with underscores, got {exercise.id!r}")
    if exercise.id in _REGISTRY and not replace:
        raise ValueError(
            f"register: an exercise {exercise.id!r} exists already (pass replace=True to"
            " replace it)"
        )
    _REGISTRY[exercise.id] = exercise
    return exercise


def get(exercise_id):
    """The Exercise registered as ``exercise_id``; a KeyError that suggests close ids otherwise."""
    try:
        return _REGISTRY[exercise_id]
    except (KeyError, TypeError):
        close = get_close_matches(str(exercise_id), list(_REGISTRY), n=3)
        hint = (
            f"; did you mean {' or '.join(map(repr, close))}?"
            if close
            else f"; known: {', '.join(_REGISTRY)}"
        )
        raise KeyError(f"no exercise {exercise_id!r}{hint}") from None


def exercise_ids():
    """Every registered id, in course order (then any registered in a notebook)."""
    return list(_REGISTRY)


for _module in MODULES:
    for _exercise in _module.EXERCISES:
        register(_exercise)
