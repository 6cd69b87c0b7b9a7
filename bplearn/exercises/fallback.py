"""Never stranded: go on with bplearn's reference while your own function is not done yet."""

from . import registry
from .check import check


def mine_or_reference(exercise_id, answer):
    """Your ``answer`` if it passes its check, otherwise bplearn's reference (and a one-line note
    saying so).

    Use it in the cells after an exercise, under a name of its own, so your function stays as it is:

        forward = mine_or_reference("linear_forward", linear_forward)
        Z = forward(X, W, b)
    """
    exercise = registry.get(exercise_id)
    result = check(exercise_id, answer, show_result=False)
    if result.passed:
        return answer
    reference = exercise.reference_function()
    if reference is None:
        print(
            f"Note: {exercise_id} does not pass its check yet"
            f" ({result.diagnosis.replace('_', ' ')}), and it has no reference to fall back on."
        )
        return answer
    if result.diagnosis == "not_implemented":
        why = "is not implemented yet"
    else:
        why = "does not pass its check yet"
    print(f"Note: using bplearn's reference for {exercise_id} for now, because yours {why}.")
    return reference
