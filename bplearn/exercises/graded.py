"""The check a grade cell calls: the learner's verdict, and under nbgrader a cell that fails when it
should.

Every check cell of the course imports it itself, so a name rebound in an earlier cell changes
nothing::

    from bplearn.exercises.graded import check
    check("linear_forward", linear_forward)

Outside nbgrader this is ``bplearn.exercises.check``: it shows the verdict and returns the
CheckResult.

While nbgrader executes the notebook (``nbgrader autograde`` and ``nbgrader validate`` set the
environment variable ``NBGRADER_EXECUTION``), an answer that does not pass makes the cell raise
``CheckFailed``, whose message is the verdict with its diagnosis.  nbgrader gives a grade cell 0
points exactly when it raises, so its points are bplearn's verdicts, and the diagnosis is in the
error that the feedback shows. There an answer that *is* bplearn's own function or class (``relu =
bplearn.layers.relu``, or what ``mine_or_reference`` hands back) does not pass either (diagnosis
``uses_reference``), as in ``bplearn grade``.

What it withstands: ``check`` (or ``mine_or_reference``) rebound in the learner's cells, the public
``bplearn.exercises.check`` replaced, ``graded.check = ...`` (assignments to this module are
refused), and ``NBGRADER_EXECUTION`` removed from ``os.environ`` by a learner's cell (on Linux the
kernel's start-up environment is read too).  nbgrader restores edited check cells itself.  What it
cannot
withstand: code that deliberately rewrites bplearn's internals inside the kernel (its module
dictionaries, the registry,
numpy): the learner's code runs in the same process as the check.  ``bplearn grade`` judges outside
the kernel; use it when that matters.
"""

import os
import sys
import types

from .check import check as _check_and_show
from .display import show as _show
from .registry import get as _get
from .result import CheckResult as _CheckResult
from .result import Verdict as _Verdict

ENV = "NBGRADER_EXECUTION"
_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)


class CheckFailed(AssertionError):
    """Raised by a grade cell's check under nbgrader when the answer does not pass; the message is
    the verdict."""


def under_nbgrader():
    """True while nbgrader executes this kernel's notebook (autograde or validate)."""
    return bool(os.environ.get(ENV)) or _in_startup_environment(ENV)


def check(exercise_id, answer):
    """Check ``answer`` for ``exercise_id`` and show the verdict; under nbgrader, raise CheckFailed
    unless it passes.

    Returns the CheckResult (passed, points, max_points, diagnosis, message)."""
    if under_nbgrader() and _is_bplearns_own(answer):
        exercise = _get(exercise_id)
        name = getattr(answer, "__qualname__", repr(answer))
        result = _CheckResult.from_verdict(
            exercise,
            _Verdict(
                False,
                "uses_reference",
                f"{name} is bplearn's own ({answer.__module__}), not your implementation.",
            ),
        )
        _show(result)
    else:
        result = _check_and_show(exercise_id, answer)
    if not result.passed and under_nbgrader():
        raise CheckFailed(str(result)) from None
    return result


def _is_bplearns_own(answer):
    module = getattr(answer, "__module__", None) if isinstance(answer, _TYPES) else None
    return isinstance(module, str) and module.split(".")[0] == "bplearn"


def _in_startup_environment(name):
    """Whether ``name`` was set (non-empty) when this process started (Linux:
    /proc/self/environ)."""
    try:
        with open("/proc/self/environ", "rb") as fh:
            entries = fh.read().split(b"\0")
    except OSError:
        return False
    prefix = name.encode() + b"="
    return any(e.startswith(prefix) and len(e) > len(prefix) for e in entries)


class _ReadOnlyModule(types.ModuleType):
    def __setattr__(self, attr, value):
        raise AttributeError(f"{self.__name__} is read-only: the grade cells rely on it")

    def __delattr__(self, attr):
        raise AttributeError(f"{self.__name__} is read-only: the grade cells rely on it")


sys.modules[__name__].__class__ = _ReadOnlyModule
