"""Notebook 01's exercises: the forward pass.

linear_forward(X, W, b) -> Z        sigmoid(Z) -> A        relu(Z) -> A
"""

import numpy as np

from .. import autodiff as ad
from ..layers import leaky_relu, linear_forward, relu, sigmoid
from .cases import LINEAR_SHAPES, Case, activation_cases, normal
from .function_exercise import FunctionExercise, Mistake


def _linear_forward_cases(rng):
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    W = np.array([[1.0, 0.0, -1.0, 2.0], [0.5, -2.0, 0.0, 1.0]])
    b = np.array([0.0, 1.0, -1.0, 0.5])
    return [Case((X, W, b), note="the fixed example")] + [
        Case((normal(rng, (n, i), t), normal(rng, (i, o), t), normal(rng, o, t)))
        for n, i, o, t in LINEAR_SHAPES[1:]
    ]


EXERCISES = [
    FunctionExercise(
        "linear_forward",
        title="Forward pass of a linear layer",
        points=1,
        args=("X", "W", "b"),
        outputs="Z",
        reference=linear_forward,
        cases=_linear_forward_cases,
        mistakes=[
            Mistake("wrong_values", lambda X, W, b: X @ W, "{output} is missing the bias b.")
        ],
    ),
    FunctionExercise(
        "sigmoid",
        title="The sigmoid activation",
        points=1,
        args=("Z",),
        outputs="A",
        reference=sigmoid,
        cases=lambda rng: activation_cases(rng, with_dA=False),
        stable_hint=(
            "np.exp(Z) overflows to inf for large Z (and inf/inf is nan): write the formula so that"
            " overflow cannot turn into nan."
        ),
        mistakes=[
            Mistake(
                "wrong_values",
                lambda Z: sigmoid(-Z),
                "{output} looks like sigmoid(-Z): check the sign inside the exponential.",
            )
        ],
    ),
    FunctionExercise(
        "relu",
        title="The ReLU activation",
        points=1,
        args=("Z",),
        outputs="A",
        reference=relu,
        may_not_use=(leaky_relu, ad.relu),
        cases=lambda rng: activation_cases(rng, with_dA=False, zeros=True),
        mistakes=[
            Mistake(
                "wrong_values",
                lambda Z: (Z > 0).astype(Z.dtype),
                "{output} holds only 0s and 1s: that marks where Z > 0, it is not relu(Z).",
            ),
            Mistake(
                "wrong_values",
                lambda Z: np.abs(Z),
                "{output}: negative entries should become 0, not positive.",
            ),
            Mistake(
                "wrong_values",
                lambda Z: np.minimum(Z, 0),
                "{output} keeps the negative entries and zeroes the "
                "positive ones: the other way round.",
            ),
        ],
    ),
]
