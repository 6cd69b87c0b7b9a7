"""The registry of exercises: a stable id -> an Exercise.

An Exercise checks an answer in two steps, so grading can keep the learner's code away from the judge:

    evidence = exercise.collect(answer)   # runs the learner's answer; returns plain data (see evidence.py)
    verdict  = exercise.judge(evidence)   # pure: compares with bplearn's reference; never runs learner code

In a notebook both run in the learner's kernel.  ``bplearn grade`` runs ``collect`` in the submission's
kernel and ``judge`` in its own process, so a learner who redefines ``check`` or monkeypatches numpy
in the notebook changes nothing about the verdict.

Adding an exercise
------------------
Most exercises are functions of arrays: use ``FunctionExercise`` (see ``function_exercise.py`` and the
built-in ones in ``catalog.py``).  Everything else: subclass ``Exercise`` (or use ``CustomExercise``)
and write ``collect`` and ``judge``.  Register it in a module ``bplearn/exercises/extra_<topic>.py``:
the registry imports every such module, so the exercise exists wherever checks run (the notebook's
kernel, the grader's own process, ``bplearn progress``).  An exercise registered only in a notebook
cell would be unknown to the grader.  For example::

    from bplearn.exercises import CustomExercise, Verdict, register

    def collect(answer):                 # in the learner's kernel: turn their answer into data
        return float(answer)

    def judge(value):                    # trusted: data in, Verdict out
        if abs(value - 0.25) < 1e-3:
            return Verdict(True)
        return Verdict(False, "wrong_values", f"{value:.3g} is not the decay rate we measured")

    register(CustomExercise("decay_rate", title="Measure the decay rate", points=1,
                            signature="decay_rate: float", collect=collect, judge=judge))
"""
import importlib
import pkgutil
from difflib import get_close_matches

from .result import Verdict

_REGISTRY = {}
_CATALOG_LOADED = False


class Exercise:
    """Base class.  Subclasses set id, title, points, signature and write ``collect`` and ``judge``.

    ``reference`` (optional) is bplearn's implementation, given as "module:name" or a callable;
    ``mine_or_reference`` falls back on it.
    """

    id: str
    title: str = ""
    points: float = 1
    signature: str = ""
    reference = None

    def collect(self, answer):
        raise NotImplementedError

    def judge(self, evidence) -> Verdict:
        raise NotImplementedError

    def reference_function(self):
        """The reference implementation as a callable (imported on first use), or None."""
        return resolve(self.reference)

    def __repr__(self):
        return f"<{type(self).__name__} {self.id!r}: {self.signature or self.title}>"


class CustomExercise(Exercise):
    """An exercise made of two functions: ``collect(answer) -> data`` and ``judge(data) -> Verdict``.

    ``collect`` runs where the learner's answer lives and must return only evidence data (numbers,
    arrays, strings, lists/tuples/dicts of these; see ``evidence.to_data``).  ``judge`` must not run
    learner code.  The default ``collect`` keeps the answer itself (for answers that are numbers or arrays).
    """

    def __init__(self, id, *, collect=None, judge, title="", points=1, signature="", reference=None):
        self.id, self.title, self.points, self.signature, self.reference = id, title, points, signature, reference
        self.collect_fn, self.judge_fn = collect, judge

    def collect(self, answer):
        from .evidence import error_data, to_data
        if answer is None:
            return {"none": True}
        try:
            value = self.collect_fn(answer) if self.collect_fn is not None else answer
        except NotImplementedError:
            return {"none": True}
        except Exception as exc:
            return {"error": error_data(exc)}
        return {"value": to_data(value)}

    def judge(self, evidence):
        from .evidence import describe_error
        if evidence.get("missing") or evidence.get("none"):
            return Verdict(False, "not_implemented", evidence.get("missing") or
                           f"Not implemented yet: {self.id} raises NotImplementedError or gives None.")
        if evidence.get("error"):
            return Verdict(False, "error", describe_error(evidence["error"]))
        return self.judge_fn(evidence["value"])


def register(exercise, replace=False):
    """Add ``exercise`` to the registry under ``exercise.id`` and return it.

    Registering an id twice is an error unless ``replace=True`` (handy while writing a notebook).
    """
    if not isinstance(exercise, Exercise):
        raise TypeError(f"register: expected an Exercise, got {type(exercise).__name__}")
    if not exercise.id or not exercise.id.replace("_", "").isalnum():
        raise ValueError(f"register: exercise ids are words with underscores, got {exercise.id!r}")
    if exercise.id in _REGISTRY and not replace:
        raise ValueError(f"register: an exercise {exercise.id!r} exists already (pass replace=True to replace it)")
    _REGISTRY[exercise.id] = exercise
    return exercise


def get(exercise_id):
    """The Exercise registered as ``exercise_id``; a KeyError that suggests close ids otherwise."""
    _load_catalog()
    try:
        return _REGISTRY[exercise_id]
    except (KeyError, TypeError):
        close = get_close_matches(str(exercise_id), list(_REGISTRY), n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else f"; known: {', '.join(_REGISTRY)}"
        raise KeyError(f"no exercise {exercise_id!r}{hint}") from None


def exercise_ids():
    """Every registered id, in registration order."""
    _load_catalog()
    return list(_REGISTRY)


def resolve(ref):
    """A callable from "module:attribute" (imported now) or the callable itself; None stays None."""
    if ref is None or callable(ref):
        return ref
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def _load_catalog():
    """Import the built-in exercises (catalog.py) and every ``bplearn/exercises/extra_*.py`` module."""
    global _CATALOG_LOADED
    if not _CATALOG_LOADED:
        _CATALOG_LOADED = True
        importlib.import_module("bplearn.exercises.catalog")
        package = importlib.import_module("bplearn.exercises")
        for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("extra_")):
            importlib.import_module(f"bplearn.exercises.{module}")
