"""Notebook 05's exercises: update rules.

    sgd_step(w, dw, lr) -> w_new
    momentum_step(w, dw, v, lr, beta) -> (w_new, v_new)
    adam_step(w, dw, m, v, t, lr, beta1, beta2, eps) -> (w_new, m_new, v_new)

Adam's formula is written once, in ``bplearn.optim.adam_step``; the mistakes below call it and
change only what the mistake changes (at t = ∞ its bias correction divides by 1, i.e. does nothing).
"""

import math

import numpy as np

from ..optim import adam_step, momentum_step, sgd_step
from .cases import F32, F64, Case, normal
from .function_exercise import FunctionExercise, Mistake


def _sgd_cases(rng):
    return [
        Case((normal(rng, 3), normal(rng, 3), 0.1)),
        Case((normal(rng, (2, 4)), normal(rng, (2, 4)), 0.01)),
        Case((normal(rng, (3, 2), F32), normal(rng, (3, 2), F32), 0.5)),
        Case((normal(rng, 5), normal(rng, 5), 0.3)),
    ]


def _momentum_cases(rng):
    cases = []
    for shape, t, lr, beta in [
        ((3,), F64, 0.1, 0.9),
        ((2, 4), F64, 0.01, 0.5),
        ((3, 2), F32, 0.1, 0.9),
        ((5,), F64, 0.05, 0.99),
    ]:
        cases.append(
            Case((normal(rng, shape, t), normal(rng, shape, t), normal(rng, shape, t), lr, beta))
        )
    cases.append(
        Case((normal(rng, 4), normal(rng, 4), np.zeros(4), 0.1, 0.9), note="the first step (v = 0)")
    )
    return cases


def _adam_cases(rng):
    cases = []
    for shape, t, step, lr, b1, b2 in [
        ((3,), F64, 1, 1e-3, 0.9, 0.999),
        ((2, 3), F64, 2, 1e-2, 0.9, 0.999),
        ((4,), F64, 10, 1e-2, 0.8, 0.99),
        ((3, 2), F32, 5, 1e-2, 0.9, 0.999),
        ((5,), F64, 100, 1e-3, 0.9, 0.999),
    ]:
        first = step == 1
        m = np.zeros(shape, t) if first else normal(rng, shape, t, 0.1)
        v = np.zeros(shape, t) if first else (0.01 * rng.random(shape)).astype(t)
        cases.append(
            Case((normal(rng, shape, t), normal(rng, shape, t), m, v, step, lr, b1, b2, 1e-8))
        )
    cases.append(
        Case(
            (
                normal(rng, 4),
                normal(rng, 4, scale=1e-6),
                np.zeros(4),
                np.zeros(4),
                1,
                1e-3,
                0.9,
                0.999,
                1e-8,
            ),
            note="tiny gradients",
        )
    )
    return cases


# ---------------------------------------------------------------- Adam's mistakes, around bplearn's
# adam_step


def _adam_uncorrected(w, dw, m, v, t, lr, b1, b2, eps):
    return adam_step(w, dw, m, v, math.inf, lr, b1, b2, eps)


def _adam_next_t(w, dw, m, v, t, lr, b1, b2, eps):
    return adam_step(w, dw, m, v, t + 1, lr, b1, b2, eps)


def _adam_eps_inside(w, dw, m, v, t, lr, b1, b2, eps):
    """eps under the square root: sqrt(v_hat + eps) where sqrt(v_hat) + eps belongs."""
    _, m_new, v_new = adam_step(w, dw, m, v, t, lr, b1, b2, eps)
    m_hat, v_hat = m_new / (1 - b1**t), v_new / (1 - b2**t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m_new, v_new


def _adam_unsquared(w, dw, m, v, t, lr, b1, b2, eps):
    """v averages the gradient itself, not its square."""
    _, m_new, _ = adam_step(w, dw, m, v, t, lr, b1, b2, eps)
    v_new = b2 * v + (1 - b2) * dw
    m_hat, v_hat = m_new / (1 - b1**t), v_new / (1 - b2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


def _adam_returns_corrected(w, dw, m, v, t, lr, b1, b2, eps):
    w_new, m_new, v_new = adam_step(w, dw, m, v, t, lr, b1, b2, eps)
    return w_new, m_new / (1 - b1**t), v_new / (1 - b2**t)


EXERCISES = [
    FunctionExercise(
        "sgd_step",
        title="A gradient-descent step",
        points=1,
        args=("w", "dw", "lr"),
        outputs="w_new",
        reference=sgd_step,
        cases=_sgd_cases,
        relative_to={"w_new": "w"},
        mistakes=[
            Mistake(
                "wrong_values",
                lambda w, dw, lr: w - dw,
                "{output}: the step ignores the learning rate lr.",
            ),
            Mistake(
                "wrong_values",
                lambda w, dw, lr: -lr * dw,
                "{output} looks like the step alone: return the updated weights.",
            ),
        ],
    ),
    FunctionExercise(
        "momentum_step",
        title="A step with momentum",
        points=2,
        args=("w", "dw", "v", "lr", "beta"),
        outputs=("w_new", "v_new"),
        reference=momentum_step,
        cases=_momentum_cases,
        relative_to={"w_new": "w"},
        mistakes=[
            Mistake(
                "wrong_values",
                lambda w, dw, v, lr, beta: (w + (beta * v - lr * dw), beta * v - lr * dw),
                "{output} follows the other common momentum convention, where the velocity already"
                " includes -lr (v = beta v - lr dw, then w + v). This course uses the convention"
                " stated in the notebook: v accumulates the gradients and lr scales the step.",
            ),
            Mistake(
                "wrong_values",
                lambda w, dw, v, lr, beta: (
                    w - lr * (beta * v + (1 - beta) * dw),
                    beta * v + (1 - beta) * dw,
                ),
                "{output} uses an exponential moving average, v = beta v + (1 - beta) dw; the"
                " velocity in this course (see the notebook) adds dw without the factor (1 -"
                " beta).",
            ),
            Mistake(
                "wrong_values",
                lambda w, dw, v, lr, beta: (w - lr * v, beta * v + dw),
                "{output} moves with the old velocity v: update the velocity first, then step with"
                " the new one.",
            ),
        ],
    ),
    FunctionExercise(
        "adam_step",
        title="A step of Adam",
        points=2,
        args=("w", "dw", "m", "v", "t", "lr", "beta1", "beta2", "eps"),
        outputs=("w_new", "m_new", "v_new"),
        reference=adam_step,
        cases=_adam_cases,
        relative_to={"w_new": "w"},
        mistakes=[
            Mistake(
                "no_bias_correction",
                _adam_uncorrected,
                "{output} looks like Adam without bias correction: m and v start at 0, so their"
                " early values are biased towards 0; correct them before the update (see the"
                " notebook).",
            ),
            Mistake(
                "wrong_values",
                _adam_next_t,
                "{output}: the bias correction uses the wrong step number: t counts from 1 at the"
                " first step and is already the current step.",
            ),
            Mistake(
                "wrong_values",
                _adam_eps_inside,
                "{output}: eps is inside the square root; it belongs outside, added to the root.",
            ),
            Mistake(
                "wrong_values",
                _adam_unsquared,
                "{output}: v should be a running average of the squared gradient.",
            ),
            Mistake(
                "wrong_values",
                _adam_returns_corrected,
                "{output} is bias-corrected: return the running averages themselves and correct"
                " them only for the update.",
            ),
        ],
    ),
]
