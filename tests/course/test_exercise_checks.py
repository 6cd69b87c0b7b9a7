"""Every exercise's check: the reference passes, the template says not_implemented, each common
mistake gets its diagnosis, and correct alternatives (einsum, np.where, other subgradients, float32)
pass."""

import inspect

import numpy as np
import pytest
from test_sharper_diagnoses import CASES as SHARPER

from bplearn.exercises import (
    DIAGNOSES,
    FunctionExercise,
    check,
    exercise_ids,
    get,
    nb00_start,
    nb01_forward,
    nb02_loss,
    nb04_backward,
    nb05_update,
    nb08_remedies,
)

# The exercises tested here; the others have test files of their own (tests/notebooks/).
TESTED_HERE = [
    e.id
    for m in (nb00_start, nb01_forward, nb02_loss, nb04_backward, nb05_update, nb08_remedies)
    for e in m.EXERCISES
] + ["numerical_gradient"]


def template(*args):
    # YOUR CODE HERE
    raise NotImplementedError()


def _sig(Z):
    return 1 / (1 + np.exp(-Z))


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _onehot(y, C):
    T = np.zeros((len(y), C))
    T[np.arange(len(y)), y] = 1
    return T


def _numgrad(f, x, h, divisor=2):
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (divisor * h)
    return grad


def _numgrad_no_restore(f, x, h):
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        x[i] += h
        fp = f(x)
        x[i] -= 2 * h
        fm = f(x)
        grad[i] = (fp - fm) / (2 * h)
    return grad


def _numgrad_drift(f, x, h):  # restores by arithmetic, not exactly: still right
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        x[i] += h
        fp = f(x)
        x[i] -= 2 * h
        fm = f(x)
        x[i] += h
        grad[i] = (fp - fm) / (2 * h)
        it.iternext()
    return grad


def _forward_diff(f, x, h):
    grad = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - f0) / h
        x[i] = old
    return grad


def _adam(w, dw, m, v, t, lr, b1, b2, eps, correct=True):
    m = b1 * m + (1 - b1) * dw
    v = b2 * v + (1 - b2) * dw**2
    mh, vh = (m / (1 - b1**t), v / (1 - b2**t)) if correct else (m, v)
    return w - lr * mh / (np.sqrt(vh) + eps), m, v


def _adam_in_place(w, dw, m, v, t, lr, b1, b2, eps):
    m *= b1
    m += (1 - b1) * dw
    v_new = b2 * v + (1 - b2) * dw**2
    return w - lr * (m / (1 - b1**t)) / (np.sqrt(v_new / (1 - b2**t)) + eps), m, v_new


def _clip(grads, max_norm, in_place=False):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    scale = min(1.0, max_norm / total)
    if in_place:
        for g in grads:
            g *= scale
        return grads, total
    return [g * scale for g in grads], total


def _relu_in_place(dA, Z):
    dA[Z <= 0] = 0
    return dA


def _raises_in_user_code(dZ, X, W):
    dX = dZ @ W  # W not transposed: shapes do not match
    return dX, X.T @ dZ, dZ.sum(axis=0)


# (exercise id, implementation, expected diagnosis); one row per mistake we promise to recognise.
WRONG = [
    ("warmup", lambda x, w, b: w * x, "wrong_values"),
    ("warmup", lambda x, w, b: None, "not_implemented"),
    ("linear_forward", lambda X, W, b: (X @ W + b).T, "transposed"),
    ("linear_forward", lambda X, W, b: -(X @ W + b), "sign"),
    ("linear_forward", lambda X, W, b: X @ W, "wrong_values"),
    ("linear_forward", lambda X, W, b: X @ W.T + b, "error"),
    ("linear_forward", lambda X, W, b: W.T @ X.T, "wrong_shape"),
    ("linear_backward", lambda dZ, X, W: (dZ @ W.T, dZ.T @ X, dZ.sum(axis=0)), "transposed"),
    ("linear_backward", lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.sum(axis=1)), "wrong_axis"),
    ("linear_backward", lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ), "wrong_axis"),
    ("linear_backward", lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.mean(axis=0)), "scale"),
    ("linear_backward", lambda dZ, X, W: (dZ @ W.T, X.T @ dZ / len(X), dZ.sum(axis=0)), "scale"),
    (
        "linear_backward",
        lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.sum(axis=0, keepdims=True)),
        "wrong_shape",
    ),
    ("linear_backward", lambda dZ, X, W: (dZ @ W.T, X.T @ dZ), "wrong_shape"),
    ("linear_backward", _raises_in_user_code, "error"),
    ("linear_backward", lambda dZ, X, W: (X.T @ dZ, dZ @ W.T, dZ.sum(axis=0)), "swapped"),
    ("sigmoid", lambda Z: np.exp(Z) / (1 + np.exp(Z)), "not_stable"),
    ("sigmoid", lambda Z: 1 / (1 + np.exp(Z)), "wrong_values"),
    ("sigmoid_backward", lambda dA, Z: dA * Z * (1 - Z), "wrong_derivative"),
    ("sigmoid_backward", lambda dA, Z: -dA * _sig(Z) * (1 - _sig(Z)), "sign"),
    ("sigmoid_backward", lambda dA, Z: _sig(Z) * (1 - _sig(Z)), "wrong_values"),
    ("sigmoid_backward", lambda dA, Z: dA * np.exp(Z) / (1 + np.exp(Z)) ** 2, "not_stable"),
    ("relu", lambda Z: np.abs(Z), "wrong_values"),
    ("relu", lambda Z: np.maximum(Z, 0, out=Z), "mutates_input"),
    ("relu", lambda Z: (Z > 0) * 1.0, "wrong_values"),
    ("relu_backward", lambda dA, Z: dA * (dA > 0), "mask_from_gradient"),
    ("relu_backward", lambda dA, Z: dA * (Z < 0), "wrong_derivative"),
    ("relu_backward", _relu_in_place, "mutates_input"),
    ("relu_backward", lambda dA, Z: 2 * dA * (Z > 0), "scale"),
    ("tanh_backward", lambda dA, Z: dA * (1 - Z**2), "wrong_derivative"),
    (
        "tanh_backward",
        lambda dA, Z: dA * (1 - ((np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))) ** 2),
        "not_stable",
    ),
    ("mse_loss", lambda Y_hat, Y: float(np.sum((Y_hat - Y) ** 2)), "scale"),
    ("mse_loss", lambda Y_hat, Y: np.mean((Y_hat - Y) ** 2, axis=0), "wrong_shape"),
    ("mse_loss", lambda Y_hat, Y: np.sqrt(np.mean((Y_hat - Y) ** 2)), "wrong_values"),
    ("mse_loss", lambda Y_hat, Y: np.mean((Y_hat - Y) ** 2) / 2, "scale"),
    ("mse_backward", lambda Y_hat, Y: 2 * (Y_hat - Y), "scale"),
    ("mse_backward", lambda Y_hat, Y: (Y_hat - Y) / Y_hat.size, "scale"),
    ("mse_backward", lambda Y_hat, Y: Y_hat - Y, "scale"),
    ("mse_backward", lambda Y_hat, Y: 2 * (Y - Y_hat) / Y.size, "sign"),
    ("softmax", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), "not_stable"),
    (
        "softmax",
        lambda Z: np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0),
        "wrong_axis",
    ),
    (
        "softmax",
        lambda Z: np.exp(Z - Z.max(axis=1)) / np.exp(Z - Z.max(axis=1)).sum(axis=1),
        "error",
    ),
    ("cross_entropy_loss", lambda Z, y: -np.log(_softmax(Z)[np.arange(len(y)), y]).sum(), "scale"),
    ("cross_entropy_loss", lambda Z, y: np.log(_softmax(Z)[np.arange(len(y)), y]).mean(), "sign"),
    (
        "cross_entropy_loss",
        lambda Z, y: (
            -np.log((np.exp(Z) / np.exp(Z).sum(1, keepdims=True))[np.arange(len(y)), y]).mean()
        ),
        "not_stable",
    ),
    ("cross_entropy_loss", lambda Z, y: -np.log(_softmax(Z)[:, y]).mean(), "wrong_values"),
    # clamping the probability hides the overflow but is wrong once it underflows (logits 2000
    # apart: 691, not 2000)
    (
        "cross_entropy_loss",
        lambda Z, y: -np.mean(np.log(_softmax(Z)[np.arange(len(y)), y] + 1e-300)),
        "not_stable",
    ),
    ("cross_entropy_backward", lambda Z, y: _softmax(Z) - _onehot(y, Z.shape[1]), "scale"),
    (
        "cross_entropy_backward",
        lambda Z, y: (_onehot(y, Z.shape[1]) - _softmax(Z)) / len(y),
        "sign",
    ),
    (
        "cross_entropy_backward",
        lambda Z, y: (
            (np.exp(Z) / np.exp(Z).sum(1, keepdims=True) - _onehot(y, Z.shape[1])) / len(y)
        ),
        "not_stable",
    ),
    ("numerical_gradient", _forward_diff, "wrong_values"),
    ("numerical_gradient", lambda f, x, h: _numgrad(f, x, h, divisor=1), "scale"),
    ("numerical_gradient", _numgrad_no_restore, "mutates_input"),
    ("numerical_gradient", lambda f, x, h: _numgrad(f, x, h).ravel(), "wrong_shape"),
    ("sgd_step", lambda w, dw, lr: w + lr * dw, "sign"),
    ("sgd_step", lambda w, dw, lr: w - dw, "wrong_values"),
    ("sgd_step", lambda w, dw, lr: w.__isub__(lr * dw), "mutates_input"),
    (
        "momentum_step",
        lambda w, dw, v, lr, beta: (w + beta * v - lr * dw, beta * v - lr * dw),
        "wrong_values",
    ),
    ("momentum_step", lambda w, dw, v, lr, beta: (w + lr * (beta * v + dw), beta * v + dw), "sign"),
    (
        "momentum_step",
        lambda w, dw, v, lr, beta: (beta * v + dw, w - lr * (beta * v + dw)),
        "swapped",
    ),
    ("adam_step", lambda *a: _adam(*a, correct=False), "no_bias_correction"),
    ("adam_step", _adam_in_place, "mutates_input"),
    ("adam_step", lambda *a: (lambda w, m, v: (w, v, m))(*_adam(*a)), "swapped"),
    ("clip_grad_norm", lambda g, m: _clip(g, m, in_place=True), "mutates_input"),
    (
        "clip_grad_norm",
        lambda g, m: (
            [x * min(1, m / np.linalg.norm(x)) for x in g],
            np.sqrt(sum(np.sum(x**2) for x in g)),
        ),
        "wrong_values",
    ),
    ("clip_grad_norm", lambda g, m: (np.concatenate([x.ravel() for x in g]), 1.0), "wrong_shape"),
    (
        "xavier_init",
        lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / n_in), (n_in, n_out)),
        "wrong_values",
    ),
    (
        "xavier_init",
        lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / (n_in + n_out)), (n_out, n_in)),
        "transposed",
    ),
    (
        "xavier_init",
        lambda n_in, n_out, rng: np.random.normal(0, np.sqrt(2 / (n_in + n_out)), (n_in, n_out)),
        "wrong_values",
    ),
    (
        "xavier_init",
        lambda n_in, n_out, rng: rng.uniform(-1, 1, (n_in, n_out)) * np.sqrt(2 / (n_in + n_out)),
        "scale",
    ),
    (
        "he_init",
        lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / n_out), (n_in, n_out)),
        "wrong_values",
    ),
    ("he_init", lambda n_in, n_out, rng: rng.normal(0, 2 / n_in, (n_in, n_out)), "wrong_values"),
    ("he_init", lambda n_in, n_out, rng: rng.normal(0, 1, (n_in, n_out)), "wrong_values"),
    (
        "he_init",
        lambda n_in, n_out, rng: rng.uniform(0, np.sqrt(6 / n_in), (n_in, n_out)),
        "wrong_values",
    ),
    ("he_init", lambda n_in, n_out, rng: rng.normal(0, np.sqrt(1 / n_in), (n_in, n_out)), "scale"),
]

# Correct answers written differently from the reference.
RIGHT = [
    ("warmup", lambda x, w, b: b + x * w),
    ("linear_forward", lambda X, W, b: np.einsum("nd,do->no", X, W) + b),
    (
        "linear_backward",
        lambda dZ, X, W: (
            np.einsum("no,do->nd", dZ, W),
            np.einsum("nd,no->do", X, dZ),
            np.ones(len(dZ)) @ dZ,
        ),
    ),
    ("sigmoid", lambda Z: 1 / (1 + np.exp(-Z))),
    ("sigmoid", lambda Z: 0.5 * (1 + np.tanh(Z / 2))),
    (
        "sigmoid_backward",
        lambda dA, Z: dA * (0.5 * (1 + np.tanh(Z / 2))) * (1 - 0.5 * (1 + np.tanh(Z / 2))),
    ),
    ("relu", lambda Z: np.where(Z > 0, Z, 0.0)),
    ("relu", lambda Z: Z * (Z > 0)),
    ("relu_backward", lambda dA, Z: np.where(Z >= 0, dA, 0.0)),  # subgradient 1 at Z == 0
    ("relu_backward", lambda dA, Z: np.where(Z > 0, dA, np.where(Z == 0, 0.5 * dA, 0.0))),
    ("relu_backward", lambda dA, Z: dA * (Z > 0).astype(dA.dtype)),
    ("tanh_backward", lambda dA, Z: dA / np.cosh(Z) ** 2),
    ("mse_loss", lambda Y_hat, Y: ((Y_hat - Y) ** 2).sum() / Y.size),
    ("mse_backward", lambda Y_hat, Y: (Y_hat - Y) * (2.0 / np.prod(Y.shape))),
    (
        "softmax",
        lambda Z: np.exp(
            Z
            - Z.max(1, keepdims=True)
            - np.log(np.sum(np.exp(Z - Z.max(1, keepdims=True)), 1, keepdims=True))
        ),
    ),
    (
        "cross_entropy_loss",
        lambda Z, y: float(
            np.mean(
                np.log(np.sum(np.exp(Z - Z.max(1, keepdims=True)), 1))
                + Z.max(1)
                - Z[np.arange(len(y)), y]
            )
        ),
    ),
    ("cross_entropy_backward", lambda Z, y: (_softmax(Z) - np.eye(Z.shape[1])[y]) / Z.shape[0]),
    ("numerical_gradient", _numgrad),
    ("numerical_gradient", _numgrad_drift),
    ("sgd_step", lambda w, dw, lr: w + (-lr) * dw),
    ("momentum_step", lambda w, dw, v, lr, beta: (w - lr * (beta * v + dw), beta * v + dw)),
    ("adam_step", _adam),
    ("clip_grad_norm", lambda g, m: _clip(g, m)),
    (
        "xavier_init",
        lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / (n_in + n_out)), (n_in, n_out)),
    ),
    (
        "xavier_init",
        lambda n_in, n_out, rng: rng.uniform(-1, 1, (n_in, n_out)) * np.sqrt(6 / (n_in + n_out)),
    ),
    ("he_init", lambda n_in, n_out, rng: rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in)),
    (
        "he_init",
        lambda n_in, n_out, rng: rng.uniform(-np.sqrt(6 / n_in), np.sqrt(6 / n_in), (n_in, n_out)),
    ),
]


def function_answers():
    """Exercises whose answer is a function: every FunctionExercise, and custom ones with a function
    reference. (Exercises whose answer is a class or a trained network are tested by their own
    authors.)"""
    return [
        e
        for e in exercise_ids()
        if isinstance(get(e), FunctionExercise)
        or (
            inspect.isfunction(get(e).reference_function())
            and not get(e).signature.startswith("class ")  # capstone_linear's reference builds one
        )
    ]


@pytest.mark.parametrize("exercise_id", function_answers())
def test_the_reference_passes(exercise_id):
    result = check(exercise_id, get(exercise_id).reference_function(), show_result=False)
    assert result.passed, result.message
    assert result.points == result.max_points == get(exercise_id).points
    assert result.diagnosis == "passed"


@pytest.mark.parametrize("exercise_id", function_answers())
def test_the_template_is_not_implemented(exercise_id):
    result = check(exercise_id, template, show_result=False)
    assert (result.passed, result.points, result.diagnosis) == (False, 0, "not_implemented")
    assert "not implemented" in result.message.lower()


@pytest.mark.parametrize(
    "exercise_id, fn, diagnosis", WRONG, ids=[f"{e}-{d}-{i}" for i, (e, _, d) in enumerate(WRONG)]
)
def test_a_wrong_answer_gets_its_diagnosis(exercise_id, fn, diagnosis):
    result = check(exercise_id, fn, show_result=False)
    assert not result.passed and result.points == 0
    assert result.diagnosis == diagnosis, result.message
    assert result.message


@pytest.mark.parametrize(
    "exercise_id, fn", RIGHT, ids=[f"{e}-{i}" for i, (e, _) in enumerate(RIGHT)]
)
def test_a_correct_alternative_passes(exercise_id, fn):
    result = check(exercise_id, fn, show_result=False)
    assert result.passed, f"{result.diagnosis}: {result.message}"


def test_every_check_diagnosis_is_exercised_by_a_wrong_answer():
    by_checks = set(DIAGNOSES) - {
        "passed",
        "timeout",
        "kernel_died",
        "not_submitted",
        "uses_reference",
        "checker_error",
    }
    sharper = {d for _, _, d, _ in SHARPER}  # tests/course/test_sharper_diagnoses.py
    assert by_checks <= {d for _, _, d in WRONG} | sharper | {"not_implemented"}


def test_every_exercise_tested_here_has_at_least_one_wrong_and_one_right_answer_tested():
    assert set(TESTED_HERE) == {e for e, _, _ in WRONG} == {e for e, _ in RIGHT}
