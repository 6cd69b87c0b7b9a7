"""Notebook 04's exercises: the backward pass, layer by layer.

    linear_backward(dZ, X, W) -> (dX, dW, db)
    sigmoid_backward(dA, Z) -> dZ     relu_backward(dA, Z) -> dZ     tanh_backward(dA, Z) -> dZ
    mse_backward(Y_hat, Y) -> dY_hat  cross_entropy_backward(Z, y) -> dZ

Mistakes that need a softmax over another axis use bplearn's softmax on Z transposed.
"""

import numpy as np

from ..data import one_hot
from ..layers import linear_backward, relu, relu_backward, sigmoid, sigmoid_backward, tanh_backward
from ..losses import cross_entropy_backward, mse_backward, softmax
from .cases import (
    LINEAR_SHAPES,
    STABLE_EXP,
    Case,
    activation_cases,
    classification_cases,
    classification_sizes,
    normal,
    regression_cases,
    regression_sizes,
)
from .function_exercise import FunctionExercise, Mistake


def _linear_backward_cases(rng):
    return [
        Case((normal(rng, (n, o), t), normal(rng, (n, i), t), normal(rng, (i, o), t)))
        for n, i, o, t in LINEAR_SHAPES
    ]


def _relu_subgradient(args, expected, got):
    """At Z == 0 any subgradient in [0, 1] is right: accept dZ between 0 and dA there."""
    dA, Z = (np.asarray(a, dtype=np.float64) for a in args)
    g = got.get("dZ")
    if g is None or g.shape != Z.shape:
        return expected
    g = g.astype(np.float64)
    slack = 1e-6 * np.abs(dA)
    ok = (Z == 0) & (g >= np.minimum(0, dA) - slack) & (g <= np.maximum(0, dA) + slack)
    e = expected["dZ"].astype(np.float64).copy()
    e[ok] = g[ok]
    return {"dZ": e}


IGNORES_DA = (
    "{output} ignores the upstream gradient dA: the chain rule multiplies the local derivative"
    " by dA."
)

EXERCISES = [
    FunctionExercise(
        "linear_backward",
        title="Backward pass of a linear layer",
        points=2,
        args=("dZ", "X", "W"),
        outputs=("dX", "dW", "db"),
        reference=linear_backward,
        cases=_linear_backward_cases,
        mistakes=[
            Mistake(
                "wrong_axis",
                lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.sum(axis=1)),
                "{output} is summed over the wrong axis: it should have one entry per output unit,"
                " like b.",
            ),
            Mistake(
                "wrong_axis",
                lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ),
                "{output} still has one row per example: b is shared by every example in the batch,"
                " so their contributions must be combined into one entry per output unit.",
            ),
        ],
    ),
    FunctionExercise(
        "sigmoid_backward",
        title="Backward through the sigmoid",
        points=1,
        args=("dA", "Z"),
        outputs="dZ",
        reference=sigmoid_backward,
        may_use=(sigmoid,),  # the page says: np.exp / np.tanh, or layers.sigmoid
        cases=lambda rng: activation_cases(rng, with_dA=True),
        stable_hint=(
            "np.exp(Z) overflows to inf for large Z (and inf/inf is nan): compute sigmoid(Z) in a"
            " form that cannot overflow into nan."
        ),
        mistakes=[
            Mistake(
                "wrong_derivative",
                lambda dA, Z: dA * Z * (1 - Z),
                "{output} looks like the derivative was taken of Z instead of sigmoid(Z): "
                "the factor s(1 - s) needs s = sigmoid(Z).",
            ),
            Mistake(
                "wrong_derivative",
                lambda dA, Z: dA * sigmoid(Z),
                "{output} multiplies dA by sigmoid(Z) itself, not by the sigmoid's derivative.",
            ),
            Mistake(
                "wrong_values", lambda dA, Z: sigmoid_backward(np.ones_like(dA), Z), IGNORES_DA
            ),
        ],
    ),
    FunctionExercise(
        "relu_backward",
        title="Backward through the ReLU",
        points=1,
        args=("dA", "Z"),
        outputs="dZ",
        reference=relu_backward,
        cases=lambda rng: activation_cases(rng, with_dA=True, zeros=True),
        choices=_relu_subgradient,
        mistakes=[
            Mistake(
                "mask_from_gradient",
                lambda dA, Z: dA * (dA > 0),
                "{output} takes its mask from dA: whether the gradient passes depends on the"
                " layer's input Z.",
            ),
            Mistake(
                "wrong_derivative",
                lambda dA, Z: dA * (Z < 0),
                "{output} passes the gradient where Z is negative and blocks it where Z is"
                " positive: the mask is inverted.",
            ),
            Mistake(
                "wrong_values",
                lambda dA, Z: (Z > 0).astype(Z.dtype),
                "{output} is the mask alone: multiply it by the upstream gradient dA (the chain"
                " rule).",
            ),
            Mistake(
                "wrong_values",
                lambda dA, Z: relu(Z),
                "{output} looks like relu(Z), the forward pass, not its gradient.",
            ),
        ],
    ),
    FunctionExercise(
        "tanh_backward",
        title="Backward through tanh",
        points=1,
        args=("dA", "Z"),
        outputs="dZ",
        reference=tanh_backward,
        cases=lambda rng: activation_cases(rng, with_dA=True),
        stable_hint="Computing tanh from np.exp overflows for large |Z|: use np.tanh.",
        mistakes=[
            Mistake(
                "wrong_derivative",
                lambda dA, Z: dA * (1 - Z**2),
                "{output} looks like the derivative was taken of Z instead of tanh(Z): "
                "the factor 1 - t² needs t = tanh(Z).",
            ),
            Mistake(
                "wrong_derivative",
                lambda dA, Z: dA * (1 - np.tanh(Z)) ** 2,
                "{output}: the derivative squares the wrong thing: check what is squared in 1 -"
                " tanh(Z)².",
            ),
            Mistake(
                "wrong_derivative",
                lambda dA, Z: dA * np.tanh(Z) * (1 - np.tanh(Z)),
                "{output} uses the form of the sigmoid's derivative, s(1 - s), with tanh: tanh's"
                " derivative differs.",
            ),
            Mistake("wrong_values", lambda dA, Z: tanh_backward(np.ones_like(dA), Z), IGNORES_DA),
            Mistake(
                "at_output",
                lambda dA, Z: tanh_backward(dA, np.tanh(Z)),
                "{output}: the slope was evaluated at the output A = tanh(Z) instead of at the"
                " input Z: 1 − tanh(·)² takes the same Z the forward pass took.",
            ),
        ],
    ),
    FunctionExercise(
        "mse_backward",
        title="Gradient of the mean squared error",
        points=1,
        args=("Y_hat", "Y"),
        outputs="dY_hat",
        reference=mse_backward,
        cases=regression_cases,
        sizes=regression_sizes,
    ),
    FunctionExercise(
        "cross_entropy_backward",
        title="Gradient of softmax + cross-entropy",
        points=2,
        args=("Z", "y"),
        outputs="dZ",
        reference=cross_entropy_backward,
        cases=classification_cases,
        sizes=classification_sizes,
        stable_hint=STABLE_EXP,
        mistakes=[
            Mistake(
                "wrong_axis",
                lambda Z, y: (softmax(Z.T).T - one_hot(y, Z.shape[1])) / len(y),
                "{output}: the softmax is taken over the wrong axis: each row (one example) should"
                " sum to 1.",
            ),
            Mistake(
                "wrong_values",
                lambda Z, y: softmax(Z) / len(y),
                "{output} looks like the probabilities alone (divided by N): the gradient also"
                " depends on the labels y.",
            ),
        ],
    ),
]
