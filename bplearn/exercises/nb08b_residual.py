"""Exercise of notebook 08b (residual connections and normalisation): the residual block's backward
pass.

    Y = X + F(X),   F(X) = relu(X) @ W + b      X, Y (N, D), W (D, D), b (D,)
    (the "pre-activation" block of He et al. 2016: bp.Residual(bp.ReLU(), bp.Linear(D, D)))
    residual_backward(dY, X, W, b) -> (dX, dW, db)

No side effects: ``EXERCISES`` lists it; the registry (or the shim ``extra_residual.py``) registers
it.
"""

import numpy as np

from ..layers import Residual
from .cases import F32, F64, normal
from .function_exercise import Case, FunctionExercise, Mistake


def residual_backward(dY, X, W, b):
    """(dX, dW, db) for Y = X + relu(X) @ W + b.  dY, X (N, D), W (D, D), b (D,)."""
    A = np.maximum(X, 0)  # the branch: A = relu(X), F = A @ W + b
    dA = dY @ W.T  # back through the branch's linear layer
    return dY + dA * (X > 0), A.T @ dY, dY.sum(axis=0)  # the skip's gradient dY plus the branch's


def _no_skip(dY, X, W, b):
    return (dY @ W.T) * (X > 0), np.maximum(X, 0).T @ dY, dY.sum(axis=0)


def _skip_only(dY, X, W, b):
    return dY.copy(), np.maximum(X, 0).T @ dY, dY.sum(axis=0)


def _no_relu_slope(dY, X, W, b):
    return dY + dY @ W.T, np.maximum(X, 0).T @ dY, dY.sum(axis=0)


def _slope_at_output(dY, X, W, b):
    Y = X + np.maximum(X, 0) @ W + b
    return dY + (dY @ W.T) * (Y > 0), np.maximum(X, 0).T @ dY, dY.sum(axis=0)


def _slope_at_branch_output(dY, X, W, b):
    F = np.maximum(X, 0) @ W + b
    return dY + (dY @ W.T) * (F > 0), np.maximum(X, 0).T @ dY, dY.sum(axis=0)


def _mask_from_gradient(dY, X, W, b):
    dA = dY @ W.T
    return dY + dA * (dA > 0), np.maximum(X, 0).T @ dY, dY.sum(axis=0)


def _dW_from_X(dY, X, W, b):
    return dY + (dY @ W.T) * (X > 0), X.T @ dY, dY.sum(axis=0)


def _not_transposed(dY, X, W, b):
    return dY + (dY @ W) * (X > 0), np.maximum(X, 0).T @ dY, dY.sum(axis=0)


def _cases(rng):
    cases = []
    for N, D, dtype in [
        (4, 3, F64),
        (1, 5, F64),
        (6, 2, F32),
        (5, 6, F64),
        (8, 4, F32),
        (3, 7, F64),
    ]:
        cases.append(
            Case(
                (
                    normal(rng, (N, D), dtype),
                    normal(rng, (N, D), dtype),
                    normal(rng, (D, D), dtype, 0.7),
                    normal(rng, D, dtype, 0.3),
                )
            )
        )
    return cases


RESIDUAL_BACKWARD = FunctionExercise(
    "residual_backward",
    title="The backward pass of a residual block",
    points=2,
    args=("dY", "X", "W", "b"),
    outputs=("dX", "dW", "db"),
    reference=residual_backward,
    may_not_use=(Residual.backward,),
    cases=_cases,
    mistakes=[
        Mistake(
            "wrong_values",
            _no_skip,
            "{output} is the gradient through the branch F only: Y = X + F(X) also depends on X"
            " directly, through the skip connection, and that path's gradient must be added.",
        ),
        Mistake(
            "wrong_values",
            _skip_only,
            "{output} is the gradient through the skip connection only (dY): the gradient through F"
            " was overwritten or left out. Add the two paths' gradients.",
        ),
        Mistake(
            "wrong_derivative",
            _no_relu_slope,
            "{output}: the gradient through F skipped the ReLU's slope: F starts with relu(X), so"
            " the branch's gradient is multiplied by relu'(X) on its way to X.",
        ),
        Mistake(
            "at_output",
            _slope_at_output,
            "{output}: the ReLU's slope was taken at the block's output Y; it belongs to the ReLU's"
            " own input, X.",
        ),
        Mistake(
            "at_output",
            _slope_at_branch_output,
            "{output}: the ReLU's slope was taken at the branch's output F = relu(X) @ W + b; it"
            " belongs to the ReLU's own input, X.",
        ),
        Mistake(
            "mask_from_gradient",
            _mask_from_gradient,
            "{output}: the ReLU's mask was built from the gradient (dY @ W.T > 0); whether the"
            " gradient passes the ReLU depends on its input, X > 0.",
        ),
        Mistake(
            "transposed",
            _not_transposed,
            "{output}: the gradient goes back through the branch's linear layer with W transposed "
            "(dY @ W.T), not with W.",
        ),
        Mistake(
            "wrong_values",
            _dW_from_X,
            "{output}: the branch's linear layer multiplies relu(X), not X, so its weight gradient"
            " is built from relu(X).",
        ),
    ],
)


EXERCISES = [RESIDUAL_BACKWARD]
