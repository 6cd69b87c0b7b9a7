"""``check(exercise_id, answer)``: run an exercise's check in the notebook and show the verdict."""

from . import provenance, registry
from .display import show
from .result import CheckResult, Verdict, _execution_count


def check(exercise_id, answer, *, show_result=True):
    """Check ``answer`` (usually your function) for the exercise ``exercise_id`` and show the
    verdict.

    Runs your function on fixed and random cases (several shapes, float32 and float64, edge values),
    compares with bplearn's reference, and when something is wrong says what, in plain words.
    Returns a CheckResult with ``passed``, ``points``, ``max_points``, ``diagnosis`` and
    ``message``.

        check("linear_forward", linear_forward)
    """
    exercise = registry.get(exercise_id)
    try:
        verdict = provenance.judge(exercise, provenance.collect(exercise, answer))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # a bug in the checker must not look like the learner's mistake
        verdict = Verdict(
            False,
            "checker_error",
            f"The check itself failed ({type(exc).__name__}: {exc}). "
            "This is a bug in bplearn, not in your answer; please report it.",
        )
    result = CheckResult.from_verdict(exercise, verdict)
    if show_result:
        show(result)
        result._shown_in = _execution_count()
    return result
