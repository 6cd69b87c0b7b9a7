"""Notebook 02's exercises: losses.

    mse_loss(Y_hat, Y) -> loss        softmax(Z) -> P        cross_entropy_loss(Z, y) -> loss

Mistakes that need a softmax over another axis use bplearn's softmax on Z transposed.
"""

import numpy as np

from .. import autodiff as ad
from ..losses import cross_entropy_loss, log_softmax, mse_loss, softmax
from .cases import (
    STABLE_EXP,
    Case,
    classification_cases,
    classification_sizes,
    regression_cases,
    regression_sizes,
)
from .function_exercise import FunctionExercise, Mistake, Output


def _softmax_cases(rng):
    return [Case((c.args[0],), note=c.note, large=c.large) for c in classification_cases(rng)]


def _ce_from(P, y):
    """The cross-entropy of probabilities P (N, C) for labels y: the mean of -log P[n, y_n]."""
    return float(-np.mean(np.log(P[np.arange(len(y)), y])))


LOG_SOFTMAX_HINT = (
    "{output} is inf (or nan) when the logits are 2000 apart, although you subtracted each row's "
    "maximum: the label's probability underflows to 0, and log(0) = -inf. Compute the "
    "log-probabilities directly, without forming the probabilities: log-softmax, "
    "the shifted logits minus the log of the sum of their exponentials."
)

EXERCISES = [
    FunctionExercise(
        "mse_loss",
        title="Mean squared error",
        points=1,
        args=("Y_hat", "Y"),
        outputs=Output("loss", "float"),
        reference=mse_loss,
        cases=regression_cases,
        sizes=regression_sizes,
        mistakes=[
            Mistake(
                "wrong_values",
                lambda Y_hat, Y: np.sqrt(np.mean((Y_hat - Y) ** 2)),
                "{output} looks like the square root of the mean squared error (the RMSE): no"
                " square root here.",
            ),
            Mistake(
                "wrong_values",
                lambda Y_hat, Y: np.mean(np.abs(Y_hat - Y)),
                "{output} looks like the mean absolute error: square the differences instead.",
            ),
        ],
    ),
    FunctionExercise(
        "softmax",
        title="Softmax",
        points=1,
        args=("Z",),
        outputs="P",
        reference=softmax,
        may_not_use=(ad.softmax,),
        cases=_softmax_cases,
        stable_hint=STABLE_EXP,
        sizes=classification_sizes,
        mistakes=[
            Mistake(
                "wrong_axis",
                lambda Z: softmax(Z.T).T,
                "{output} is normalised over the wrong axis: each row (one example) should sum"
                " to 1.",
            ),
            Mistake(
                "wrong_axis",
                lambda Z: softmax(Z.reshape(1, -1)).reshape(Z.shape),
                "{output} is normalised over the whole batch at once: each row (one example) should"
                " sum to 1.",
            ),
        ],
    ),
    FunctionExercise(
        "cross_entropy_loss",
        title="Cross-entropy loss",
        points=1,
        args=("Z", "y"),
        outputs=Output("loss", "float"),
        reference=cross_entropy_loss,
        may_not_use=(log_softmax, ad.softmax_cross_entropy),
        cases=classification_cases,
        sizes=classification_sizes,
        stable_hint=STABLE_EXP
        + " If you did, the label's probability can still underflow to 0: compute its "
        "log directly (log-softmax) instead of the log of a probability.",
        mistakes=[
            Mistake(
                "wrong_axis",
                lambda Z, y: _ce_from(softmax(Z.T).T, y),
                "{output}: the softmax is taken over the wrong axis: each row (one example) should"
                " sum to 1.",
            ),
            Mistake(
                "wrong_values",
                lambda Z, y: float(-np.mean(np.log(softmax(Z)[:, y]))),
                "{output} averages more than one probability per example: each row contributes only"
                " the log-probability of its own label.",
            ),
            Mistake(
                "wrong_values",
                lambda Z, y: float(-np.mean(np.log(softmax(Z)))),
                "{output} averages the log-probabilities of every class: only each example's true"
                " class counts.",
            ),
            Mistake("not_stable", lambda Z, y: _ce_from(softmax(Z), y), LOG_SOFTMAX_HINT),
        ],
    ),
]
