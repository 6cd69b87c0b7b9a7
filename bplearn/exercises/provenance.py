"""Credit only for the learner's own code: which of bplearn's functions an answer calls.

While ``collect`` runs the learner's answer, a profile hook (``sys.setprofile``) watches for calls
of bplearn functions an exercise does not allow.  A call counts when the learner's code made it:
walking up the stack from the call, a frame outside bplearn (the learner's function, a lambda, a
``functools.partial``, numpy calling back) comes before the frame that started the check.  So a
wrapper, an alias, an import inside the function, a lambda and a partial are all seen: the hook
looks at the code that runs, not at names.

What an exercise may not call (``rules``):

- *the same thing*: its own reference, and what it declares in ``may_not_use`` (another function
  that computes the same answer, e.g. ``layers.linear_backward`` for ``matmul_backward``), called
  directly or through any other bplearn function (``ReLU().forward`` runs ``relu``);
- *a borrowed answer*: any other exercise's reference, and any function of the exercise modules
  (``bplearn.exercises.nb*``), when the learner's code calls it directly.  The functions a page says
  to use go in the exercise's ``may_use`` (``backward`` may call ``ad.topological_order``).

Methods of the objects a check hands to the learner (a network's ``forward``, a node's ``vjp``)
stay free: bplearn calling its own references inside them is not the learner's call.

    evidence = collect(exercise, answer)     # exercise.collect(answer), watched
    verdict = judge(exercise, evidence)      # uses_reference when a forbidden call was seen
"""

import functools
import inspect
import sys
from pathlib import Path

from . import registry
from .result import Verdict

PACKAGE = str(Path(__file__).resolve().parents[1])  # the bplearn package directory
KEY = "borrowed"


def collect(exercise, answer):
    """``exercise.collect(answer)`` with the bplearn calls it may not make recorded under
    ``evidence["borrowed"]`` (a list of names such as "bplearn.layers.relu")."""
    same, borrowed, allowed = rules(exercise)
    seen = []
    start = sys._getframe()

    def learners_call(frame):
        """True when code outside bplearn (the learner's), below the check, made this call: any
        such frame up the stack for the same thing, the calling frame for a borrowed answer."""
        direct_only = frame.f_code not in same
        f = frame.f_back
        while f is not None and f is not start:
            if f.f_code in allowed:
                return False
            if not f.f_code.co_filename.startswith(PACKAGE):
                return True
            if direct_only:
                return False
            f = f.f_back
        return False

    def hook(frame, event, arg):
        if event == "call" and (frame.f_code in same or frame.f_code in borrowed):
            if learners_call(frame):
                name = qualified_name(frame.f_code)
                if name not in seen:
                    seen.append(name)

    if isinstance(answer, functools.partial) and codes(answer.func) & (same | borrowed):
        seen.append(qualified_name(next(iter(codes(answer.func)))))  # partial(reference) itself
    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        evidence = exercise.collect(answer)
    finally:
        sys.setprofile(previous)
    if seen and isinstance(evidence, dict):
        evidence[KEY] = seen
    return evidence


def judge(exercise, evidence):
    """``uses_reference`` when the learner's code called a forbidden bplearn function, else
    ``exercise.judge(evidence)``."""
    names = evidence.get(KEY) if isinstance(evidence, dict) else None
    if names:
        calls = ", ".join(f"{n}()" for n in names)
        return Verdict(
            False,
            "uses_reference",
            f"{exercise.id} calls {calls}, which is bplearn's own answer, not yours: write that "
            "part yourself" + _allowed_words(exercise) + ".",
        )
    return exercise.judge(evidence)


def rules(exercise):
    """(same, borrowed, allowed): sets of code objects, as the module docstring describes."""
    allowed = codes(*exercise.may_use)
    same = codes(exercise.reference_function(), *exercise.may_not_use) - allowed
    borrowed = set()
    # every notebook module, and the leaf modules (nb04a_activations) its exercises are defined in
    notebooks = [m for n, m in sys.modules.items() if n.startswith(f"{__package__}.nb")]
    for module in notebooks:
        for value in vars(module).values():
            if inspect.isfunction(value) and value.__module__ == module.__name__:
                borrowed |= codes(value)
    for other in registry.exercise_ids():
        borrowed |= codes(registry.get(other).reference_function())
    return same, borrowed - allowed - same, allowed


def codes(*things):
    """The code objects of functions, methods and classes (every method a class defines)."""
    found = set()
    for thing in things:
        thing = inspect.unwrap(thing) if callable(thing) else thing
        if inspect.isclass(thing):
            found |= codes(*(v for v in vars(thing).values() if inspect.isfunction(v)))
        elif inspect.ismethod(thing):
            found.add(thing.__func__.__code__)
        elif inspect.isfunction(thing):
            found.add(thing.__code__)
    return found


def qualified_name(code):
    """'bplearn.layers.relu' for the code of bplearn.layers.relu."""
    path = Path(code.co_filename).resolve().with_suffix("")
    module = ".".join(("bplearn",) + path.relative_to(PACKAGE).parts)
    return f"{module}.{code.co_qualname}"


def _allowed_words(exercise):
    names = [getattr(f, "__qualname__", str(f)) for f in exercise.may_use]
    return f" (this exercise may call {', '.join(names)})" if names else ""
