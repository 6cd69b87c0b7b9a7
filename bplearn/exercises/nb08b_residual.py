"""Exercise of notebook 08b (residual connections and normalisation): the residual block's backward pass.

    Y = X + F(X),   F(X) = relu(X @ W + b)      X, Y (N, D), W (D, D), b (D,)
    residual_backward(dY, X, W, b) -> (dX, dW, db)

No side effects: ``EXERCISES`` lists it; the registry (or the shim ``extra_residual.py``) registers it.
"""
import numpy as np

from .cases import F32, F64, normal
from .function_exercise import Case, FunctionExercise, Mistake


def residual_backward(dY, X, W, b):
    """(dX, dW, db) for Y = X + relu(X @ W + b).  dY, X (N, D), W (D, D), b (D,)."""
    Z = X @ W + b
    dZ = dY * (Z > 0)                  # through the ReLU of the branch
    return dY + dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)   # the skip's gradient dY plus the branch's


def _parts(dY, X, W, b):
    Z = X @ W + b
    return Z, dY * (Z > 0)


def _no_skip(dY, X, W, b):
    Z, dZ = _parts(dY, X, W, b)
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def _skip_only(dY, X, W, b):
    Z, dZ = _parts(dY, X, W, b)
    return dY.copy(), X.T @ dZ, dZ.sum(axis=0)


def _no_relu(dY, X, W, b):
    return dY + dY @ W.T, X.T @ dY, dY.sum(axis=0)


def _skip_in_dW(dY, X, W, b):
    Z, dZ = _parts(dY, X, W, b)
    return dY + dZ @ W.T, X.T @ (dY + dZ), (dY + dZ).sum(axis=0)


def _relu_of_output(dY, X, W, b):
    Z = X @ W + b
    Y = X + np.maximum(Z, 0)
    dZ = dY * (Y > 0)
    return dY + dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def _cases(rng):
    cases = []
    for N, D, dtype in [(4, 3, F64), (1, 5, F64), (6, 2, F32), (5, 6, F64), (8, 4, F32), (3, 7, F64)]:
        cases.append(Case((normal(rng, (N, D), dtype), normal(rng, (N, D), dtype), normal(rng, (D, D), dtype, 0.7),
                           normal(rng, D, dtype, 0.3))))
    return cases


RESIDUAL_BACKWARD = FunctionExercise(
    "residual_backward", title="The backward pass of a residual block", points=2,
    args=("dY", "X", "W", "b"), outputs=("dX", "dW", "db"), reference=residual_backward, cases=_cases,
    mistakes=[
        Mistake("wrong_values", _no_skip,
                "{output} is the gradient through the branch F only: Y = X + F(X) also depends on X directly, "
                "through the skip connection, and that path's gradient must be added."),
        Mistake("wrong_values", _skip_only,
                "{output} is the gradient through the skip connection only (dY): the gradient through F was "
                "overwritten or left out. Add the two paths' gradients."),
        Mistake("wrong_derivative", _no_relu,
                "{output}: the gradient through F skipped the ReLU's slope: inside F, dZ = dY · relu'(Z)."),
        Mistake("wrong_values", _skip_in_dW,
                "{output} includes the skip connection's gradient, but the skip has no weights: W and b only "
                "receive the gradient that flows through F."),
        Mistake("wrong_derivative", _relu_of_output,
                "{output}: the ReLU's slope was taken at the block's output Y; it belongs to its own input, "
                "Z = X @ W + b."),
        Mistake("transposed", lambda dY, X, W, b: (dY + _parts(dY, X, W, b)[1] @ W, *_no_skip(dY, X, W, b)[1:]),
                "{output}: inside F, the gradient goes back through W transposed (dZ @ W.T), not through W."),
    ],
)


EXERCISES = [RESIDUAL_BACKWARD]
