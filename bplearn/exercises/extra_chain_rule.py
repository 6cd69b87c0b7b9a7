"""Notebook 03's hand-derived exercise: the gradients of one sigmoid neuron with squared-error loss.

    z = x·w + b,   a = sigmoid(z),   L = (a - y)**2
    dL/dz = 2 (a - y) · a (1 - a),   dw = dL/dz · x,   db = dL/dz

``neuron_gradients(x, w, b, y) -> (dw, db)`` with x, w of shape (D,), b and y numbers; dw has shape (D,)
and db is a number.  Registered on import (``catalog.py`` imports this module).
"""
import numpy as np

from .cases import F32, F64, normal
from .function_exercise import Case, FunctionExercise, Mistake
from .registry import register


def neuron_gradients(x, w, b, y):
    """(dw, db) for z = x @ w + b, a = sigmoid(z), L = (a - y)**2.  x, w (D,); b, y numbers."""
    z = x @ w + b
    a = 0.5 * (1 + np.tanh(0.5 * z))          # sigmoid, without overflow warnings
    dz = 2 * (a - y) * a * (1 - a)             # dL/da = 2(a - y);  da/dz = a(1 - a)
    return dz * x, dz


def _cases(rng):
    fixed = Case((np.array([1.5, -0.5]), np.array([0.8, -1.2]), 0.1, 1.0), note="the neuron of notebook 03")
    cases = [fixed]
    for D, dtype, y in [(3, F64, 0.0), (5, F64, 1.0), (1, F64, 0.3), (4, F32, 1.0), (6, F32, 0.0), (8, F64, -0.5)]:
        b = float(rng.normal())
        cases.append(Case((normal(rng, D, dtype), normal(rng, D, dtype, scale=0.7), dtype(b), dtype(y))))
    return cases


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _with_dz(dz_of):
    """A wrong answer whose only mistake is in dL/dz; dw and db follow from it correctly."""
    def answer(x, w, b, y):
        z = x @ w + b
        a = _sigmoid(z)
        dz = dz_of(z, a, y)
        return dz * x, dz
    return answer


def _times_w(x, w, b, y):
    """dw taken as dL/dz · w instead of dL/dz · x."""
    a = _sigmoid(x @ w + b)
    dz = 2 * (a - y) * a * (1 - a)
    return dz * w, dz


NEURON_GRADIENTS = register(FunctionExercise(
    "neuron_gradients", title="Gradients of one sigmoid neuron, by hand", points=2,
    args=("x", "w", "b", "y"), outputs=("dw", "db:float"), reference=neuron_gradients, cases=_cases,
    sizes=lambda *args: [],   # a wrong factor here is never a batch average: there is no batch
    mistakes=[
        Mistake("wrong_derivative", _with_dz(lambda z, a, y: 2 * (a - y) * z * (1 - z)),
                "{output}: the sigmoid's derivative was applied to z. It is σ(z)(1 − σ(z)) = a(1 − a), "
                "a function of the neuron's output a."),
        Mistake("wrong_derivative", _with_dz(lambda z, a, y: 2 * (a - y) * a),
                "{output}: the sigmoid's local derivative is a(1 − a), not a."),
        Mistake("wrong_values", _with_dz(lambda z, a, y: 2 * (a - y)),
                "{output} is missing the sigmoid's local derivative: dL/dz = dL/da · da/dz."),
        Mistake("wrong_values", _with_dz(lambda z, a, y: 2 * (z - y) * a * (1 - a)),
                "{output}: the loss compares the output a = σ(z) with y, so dL/da = 2(a − y), not 2(z − y)."),
        Mistake("wrong_derivative", _times_w,
                "{output} was multiplied by w. In a product w·x, the gradient of w is the upstream gradient "
                "times the other factor."),
    ],
))
