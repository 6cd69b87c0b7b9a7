"""What a diagnosis says, in words: the factor named in the exercise's own sizes (1/C, 1/(N·C)),
never "1 times the expected value", log-softmax when a log underflows after the maximum was
subtracted, and swapped outputs named.  Each with a wrong implementation a learner would write."""

import numpy as np
import pytest

from bplearn.exercises import FunctionExercise, check, register
from bplearn.exercises.cases import classification_cases, classification_sizes
from bplearn.exercises.diagnose import describe_factor, factor_text
from bplearn.losses import log_softmax, softmax

# wrong answers here are built from bplearn's references: see conftest.unwatched
pytestmark = pytest.mark.usefixtures("unwatched")


def onehot(y, C):
    return np.eye(C)[y]


def stable_log_of_softmax(Z, y):
    """Subtracts the maximum (inside softmax), then takes the log of the probability: -inf once it
    underflows."""
    return float(-np.mean(np.log(softmax(Z)[np.arange(len(y)), y])))


# (exercise, wrong answer, diagnosis, words the message must hold, words it must not hold)
MESSAGES = [
    (
        "cross_entropy_backward",
        lambda Z, y: (softmax(Z) - onehot(y, Z.shape[1])) / Z.size,
        "scale",
        ["factor of 1/C", "C = the number of classes", "average over the classes"],
        ["N·C"],
    ),
    (
        "cross_entropy_backward",
        lambda Z, y: softmax(Z) - onehot(y, Z.shape[1]),
        "scale",
        ["factor of N ", "N = the batch size", "forget to average over the batch"],
        [],
    ),
    (
        "cross_entropy_loss",
        lambda Z, y: float(-np.mean(onehot(y, Z.shape[1]) * log_softmax(Z))),
        "scale",
        ["factor of 1/C"],
        [],
    ),
    (
        "cross_entropy_loss",
        lambda Z, y: float(-np.mean(np.log(softmax(Z)[np.arange(len(y)), y] + 1e-7))),
        "wrong_values",
        ["close", "expected"],
        ["times the expected value", "factor"],
    ),
    (
        "cross_entropy_loss",
        stable_log_of_softmax,
        "not_stable",
        ["although you subtracted each row's maximum", "log(0) = -inf", "log-softmax"],
        ["Subtract"],
    ),
    (
        "cross_entropy_loss",
        lambda Z, y: float(-np.mean(np.log(softmax(Z)[np.arange(len(y)), y] + 1e-300))),
        "not_stable",
        ["If you did", "log-softmax"],
        [],
    ),
    (
        "linear_backward",
        lambda dZ, X, W: (X.T @ dZ, dZ @ W.T, dZ.sum(axis=0)),
        "swapped",
        ["dX and dW are swapped", "(dX, dW, db)"],
        ["shape"],
    ),
    (
        "momentum_step",
        lambda w, dw, v, lr, beta: (beta * v + dw, w - lr * (beta * v + dw)),
        "swapped",
        ["w_new and v_new are swapped"],
        [],
    ),
]


@pytest.mark.parametrize(
    "exercise_id, answer, diagnosis, words, never",
    MESSAGES,
    ids=[f"{e}-{d}-{i}" for i, (e, _, d, _, _) in enumerate(MESSAGES)],
)
def test_a_wrong_answer_is_told_what_is_wrong_in_words(
    exercise_id, answer, diagnosis, words, never
):
    result = check(exercise_id, answer, show_result=False)
    assert result.diagnosis == diagnosis, result.message
    for w in words:
        assert w in result.message, result.message
    for w in never:
        assert w not in result.message, result.message


def test_adams_running_averages_swapped_are_named():
    from bplearn.optim import adam_step

    result = check(
        "adam_step", lambda *a: (lambda w, m, v: (w, v, m))(*adam_step(*a)), show_result=False
    )
    assert (result.diagnosis, result.message.split(":")[0]) == (
        "swapped",
        "m_new and v_new are swapped",
    )


def test_a_gradient_divided_by_every_entry_names_one_over_N_times_C(scratch_registry):
    """An un-averaged classification gradient (P - Y, as in a softmax Jacobian exercise) divided by
    N·C."""
    register(
        FunctionExercise(
            "test_probabilities_minus_onehot",
            args=("Z", "y"),
            outputs="G",
            reference=lambda Z, y: softmax(Z) - onehot(y, Z.shape[1]),
            cases=lambda rng: [c for c in classification_cases(rng) if not c.large],
            sizes=classification_sizes,
        )
    )
    result = check(
        "test_probabilities_minus_onehot",
        lambda Z, y: (softmax(Z) - onehot(y, Z.shape[1])) / Z.size,
        show_result=False,
    )
    assert result.diagnosis == "scale"
    assert (
        "factor of 1/(N·C)" in result.message
        and "N·C = the number of entries of Z" in result.message
    )
    per_class = check(
        "test_probabilities_minus_onehot",
        lambda Z, y: (softmax(Z) - onehot(y, Z.shape[1])) / Z.shape[1],
        show_result=False,
    )
    assert "factor of 1/C " in per_class.message


def test_a_ratio_near_one_is_never_called_a_factor():
    assert describe_factor("loss", [1.00002, 1.00002, 1.00002], [{}, {}, {}]) is None
    assert describe_factor("loss", [0.9999, 0.9999], [{}, {}]) is None
    code, message = describe_factor("loss", [1.5, 1.5], [{}, {}])
    assert (code, message.split(" everywhere")[0]) == (
        "scale",
        "loss is 1.5 times the expected value",
    )


@pytest.mark.parametrize(
    "symbol, p, k, text",
    [
        ("N", 1, 1.0, "N"),
        ("C", -1, 1.0, "1/C"),
        ("N·C", -1, 1.0, "1/(N·C)"),
        ("N", 1, 2.0, "2·N"),
        ("N", -1, 0.5, "1/(2·N)"),
        ("N·D", 1, -1.0, "-N·D"),
        ("D", -1, 2.0, "2/D"),
    ],
)
def test_factors_are_written_as_formulas(symbol, p, k, text):
    assert factor_text(symbol, p, k) == text


def test_the_capstone_names_a_batch_factor_and_not_a_near_one():
    from bplearn.exercises.nb09_capstone import check_array

    expected = np.arange(1.0, 7.0).reshape(2, 3)
    assert "factor of 1/N" in check_array("W.grad", expected / 5, expected, "backward", n=5).message
    close = check_array("W.grad", expected * (1 + 1e-5), expected, "backward", n=5)
    assert (
        close.diagnosis == "wrong_values"
        and "close" in close.message
        and "times" not in close.message
    )
