"""What an exercise is: ``Exercise`` (the base class) and ``CustomExercise`` (two functions of your
own).

An Exercise checks an answer in two steps, so grading can keep the learner's code away from the
judge:

    evidence = exercise.collect(answer)   # runs the learner's answer; returns plain data (see
    evidence.py)
    verdict  = exercise.judge(evidence)   # pure: compares with bplearn's reference; never runs
    learner code

In a notebook both run in the learner's kernel.  ``bplearn grade`` runs ``collect`` in the
submission's kernel and ``judge`` in its own process, so a learner who redefines ``check`` or
monkeypatches numpy in the notebook changes nothing about the verdict.  The exercise modules
(``nb<NN>_<topic>.py``) import this module; it imports only the leaves ``evidence`` and ``result``.
"""

import importlib

from .evidence import describe_error, error_data, to_data
from .result import Verdict


class Exercise:
    """Base class.  Subclasses set id, title, points, signature and write ``collect`` and ``judge``.

    ``reference`` (optional) is bplearn's implementation, a callable (or "module:name" for an
    exercise written in a notebook); ``mine_or_reference`` falls back on it.

    What the answer may call of bplearn (see ``provenance.py``): ``may_use`` lists the functions
    the page says to use (an earlier exercise's reference, say); ``may_not_use`` the functions
    that compute the same answer as the reference by another name.  The reference itself, every
    other exercise's reference and the exercise modules' functions are never the learner's.
    """

    id: str
    title: str = ""
    points: float = 1
    signature: str = ""
    reference = None
    may_use = ()
    may_not_use = ()

    def collect(self, answer):
        raise NotImplementedError

    def judge(self, evidence) -> Verdict:
        raise NotImplementedError

    def reference_function(self):
        """The reference implementation as a callable, or None."""
        return resolve(self.reference)

    def __repr__(self):
        return f"<{type(self).__name__} {self.id!r}: {self.signature or self.title}>"


class CustomExercise(Exercise):
    """An exercise made of two functions: ``collect(answer) -> data`` and ``judge(data) ->
    Verdict``.

    ``collect`` runs where the learner's answer lives and must return only evidence data (numbers,
    arrays, strings, lists/tuples/dicts of these; see ``evidence.to_data``).  ``judge`` must not run
    learner code.  The default ``collect`` keeps the answer itself (for answers that are numbers or
    arrays).
    """

    def __init__(
        self,
        id,
        *,
        collect=None,
        judge,
        title="",
        points=1,
        signature="",
        reference=None,
        may_use=(),
        may_not_use=(),
    ):
        self.id, self.title, self.points, self.signature, self.reference = (
            id,
            title,
            points,
            signature,
            reference,
        )
        self.collect_fn, self.judge_fn = collect, judge
        self.may_use, self.may_not_use = tuple(may_use), tuple(may_not_use)

    def collect(self, answer):
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
        if evidence.get("missing") or evidence.get("none"):
            return Verdict(
                False,
                "not_implemented",
                evidence.get("missing")
                or f"Not implemented yet: {self.id} raises NotImplementedError or gives None.",
            )
        if evidence.get("error"):
            return Verdict(False, "error", describe_error(evidence["error"]))
        return self.judge_fn(evidence["value"])


def resolve(ref):
    """A callable: ``ref`` itself, or "module:attribute" imported now (for exercises written in a
    notebook; the built-in exercises pass the function itself).  None stays None."""
    if ref is None or callable(ref):
        return ref
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def is_bplearns(obj):
    """True when ``obj`` (a class, a function) is bplearn's own, not the learner's."""
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and module.split(".")[0] == "bplearn"
