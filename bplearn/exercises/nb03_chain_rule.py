"""Notebook 03's exercises: the chain rule by hand, and the gradient by finite differences.

    neuron_gradients(x, w, b, y) -> (dw, db)     one sigmoid neuron with squared error, by hand
    numerical_gradient(f, x, h) -> grad          centred differences, one entry at a time

neuron_gradients:  z = x·w + b,  a = sigmoid(z),  L = (a - y)**2;  x, w of shape (D,), b and y
numbers; dw has shape (D,) and db is a number.
"""

import numpy as np

from ..gradcheck import numerical_gradient
from ..layers import sigmoid
from .cases import F32, F64, Case, Fn, normal
from .function_exercise import FunctionExercise, Mistake, Output

# ---------------------------------------------------------------- neuron_gradients


def neuron_gradients(x, w, b, y):
    """(dw, db) for z = x @ w + b, a = sigmoid(z), L = (a - y)**2.  x, w (D,); b, y numbers."""
    a = sigmoid(x @ w + b)
    dz = 2 * (a - y) * a * (1 - a)  # dL/da = 2(a - y);  da/dz = a(1 - a)
    return dz * x, dz


def _neuron_cases(rng):
    fixed = Case(
        (np.array([1.5, -0.5]), np.array([0.8, -1.2]), 0.1, 1.0), note="the neuron of notebook 03"
    )
    cases = [fixed]
    for D, dtype, y in [
        (3, F64, 0.0),
        (5, F64, 1.0),
        (1, F64, 0.3),
        (4, F32, 1.0),
        (6, F32, 0.0),
        (8, F64, -0.5),
    ]:
        b = float(rng.normal())
        cases.append(
            Case((normal(rng, D, dtype), normal(rng, D, dtype, scale=0.7), dtype(b), dtype(y)))
        )
    return cases


def _with_dz(dz_of):
    """A wrong answer whose only mistake is in dL/dz; dw and db follow from it correctly."""

    def answer(x, w, b, y):
        z = x @ w + b
        a = sigmoid(z)
        dz = dz_of(z, a, y)
        return dz * x, dz

    return answer


def _times_w(x, w, b, y):
    """dw taken as dL/dz · w instead of dL/dz · x."""
    _, dz = neuron_gradients(x, w, b, y)
    return dz * w, dz


# ---------------------------------------------------------------- numerical_gradient


def _numerical_gradient_cases(rng):
    return [
        Case((Fn("sum_of_cubes"), normal(rng, 4), 1e-5)),
        Case((Fn("exp_sum"), normal(rng, (2, 3)), 1e-4)),
        Case((Fn("quadratic_form"), normal(rng, (3, 2)), 1e-3)),
        Case((Fn("log_sum_exp"), normal(rng, 5), 1e-5)),
        Case((Fn("exp_sum"), normal(rng, (3, 1)), 1e-3)),
    ]


def _one_sided(f, x, h, sign=1):
    x = x.copy()
    grad = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + sign * h
        grad[i] = sign * (f(x) - f0) / h
        x[i] = old
    return grad


EXERCISES = [
    FunctionExercise(
        "neuron_gradients",
        title="Gradients of one sigmoid neuron, by hand",
        points=2,
        args=("x", "w", "b", "y"),
        outputs=("dw", Output("db", "float")),
        reference=neuron_gradients,
        cases=_neuron_cases,
        sizes=lambda *args: [],  # a wrong factor here is never a batch average: there is no batch
        mistakes=[
            Mistake(
                "wrong_derivative",
                _with_dz(lambda z, a, y: 2 * (a - y) * z * (1 - z)),
                "{output}: the sigmoid's derivative was applied to z. It is σ(z)(1 − σ(z)) = a(1 −"
                " a), a function of the neuron's output a.",
            ),
            Mistake(
                "wrong_derivative",
                _with_dz(lambda z, a, y: 2 * (a - y) * a),
                "{output}: the sigmoid's local derivative is a(1 − a), not a.",
            ),
            Mistake(
                "wrong_values",
                _with_dz(lambda z, a, y: 2 * (a - y)),
                "{output} is missing the sigmoid's local derivative: dL/dz = dL/da · da/dz.",
            ),
            Mistake(
                "wrong_values",
                _with_dz(lambda z, a, y: 2 * (z - y) * a * (1 - a)),
                "{output}: the loss compares the output a = σ(z) with y, so dL/da = 2(a − y), not"
                " 2(z − y).",
            ),
            Mistake(
                "wrong_derivative",
                _times_w,
                "{output} was multiplied by w. In a product w·x, the gradient of w is the upstream"
                " gradient times the other factor.",
            ),
        ],
    ),
    FunctionExercise(
        "numerical_gradient",
        title="The gradient by finite differences",
        points=2,
        args=("f", "x", "h"),
        outputs="grad",
        reference=numerical_gradient,
        cases=_numerical_gradient_cases,
        rtol={F64: 1e-6},
        restore={"x": 1e-12},
        mistakes=[
            Mistake(
                "wrong_values",
                lambda f, x, h: _one_sided(f, x, h),
                "{output} looks like one-sided differences (f(x + h) - f(x)) / h: centred"
                " differences are much more accurate.",
            ),
            Mistake(
                "wrong_values",
                lambda f, x, h: _one_sided(f, x, h, sign=-1),
                "{output} looks like one-sided differences (f(x) - f(x - h)) / h: centred"
                " differences are much more accurate.",
            ),
            Mistake(
                "wrong_values",
                lambda f, x, h: np.full_like(x, (f(x + h) - f(x - h)) / (2 * h)),
                "{output} looks like every entry of x was nudged at once: nudge one entry at a"
                " time.",
            ),
        ],
    ),
]
