"""Notebook 04's and 04a's new gradient exercises: the reference passes, the released template says
not_implemented, correct alternatives pass, and each mistake we promise to recognise gets its
diagnosis (and its own message, so that the learner reads what went wrong)."""

import numpy as np
import pytest
from test_sharper_diagnoses import CASES as SHARPER

from bplearn.exercises import check, exercise_ids, get, nb04_network
from bplearn.exercises import nb04a_new_operations as ops
from bplearn.exercises.nb04_network import network_backward

# wrong answers here are built from bplearn's references: see conftest.unwatched
pytestmark = pytest.mark.usefixtures("unwatched")

NEW = [
    "network_backward",
    "leaky_relu_backward",
    "elu_backward",
    "softplus_backward",
    "softmax_pool_backward",
    "batchnorm_backward",
]


def _sig(Z):
    return 1 / (1 + np.exp(-Z))


def _softmax(S):
    E = np.exp(S - S.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- network_backward answers


def _loop(order=reversed, pass_on=True, accumulate=True, returns="dX"):
    def answer(layers, dY_hat):
        d = dY_hat
        for layer in order(layers):
            d_in, grads = layer.backward(d if pass_on else dY_hat)
            d = d_in
            for p, g in zip(layer.params, grads):
                if accumulate:
                    p.grad += g
                else:
                    p.grad = g
        return {"dX": d, "dY_hat": dY_hat, "none": None}[returns]

    return answer


def _by_index(layers, dY_hat):
    grad = dY_hat
    for i in range(len(layers) - 1, -1, -1):
        grad, grads = layers[i].backward(grad)
        for j, g in enumerate(grads):
            layers[i].params[j].grad = layers[i].params[j].grad + g
    return grad


def _recursive(layers, dY_hat):
    if not layers:
        return dY_hat
    d, grads = layers[-1].backward(dY_hat)
    for p, g in zip(layers[-1].params, grads):
        p.grad += g
    return _recursive(layers[:-1], d)


def _forgets_to_add(layers, dY_hat):
    d = dY_hat
    for layer in reversed(layers):
        d, _ = layer.backward(d)
    return d


# ---------------------------------------------------------------- softmax pool and batch norm
# answers


def _pool_loop(dO, S, V):
    N, T, D = V.shape
    dS, dV = np.zeros(S.shape), np.zeros(V.shape)
    for n in range(N):
        p = _softmax(S[n : n + 1])[0]
        J = np.diag(p) - np.outer(p, p)  # the softmax's Jacobian, built in full
        dP = V[n] @ dO[n]
        dS[n] = J.T @ dP
        dV[n] = np.outer(p, dO[n])
    return dS, dV


def _pool_swapped(dO, S, V):
    dS, dV = ops.softmax_pool_backward(dO, S, V)
    return dV, dS


def _bn_graph(dY, X, gamma, eps):
    """Batch norm backward node by node, as a computational graph."""
    N = X.shape[0]
    mu = X.sum(axis=0) / N
    xc = X - mu
    var = (xc**2).sum(axis=0) / N
    std = np.sqrt(var + eps)
    xhat = xc / std
    dbeta, dgamma = dY.sum(axis=0), (dY * xhat).sum(axis=0)
    dxhat = dY * gamma
    dxc = dxhat / std
    dstd = -(dxhat * xc).sum(axis=0) / std**2
    dvar = dstd / (2 * std)
    dxc = dxc + 2 * xc * dvar / N
    dmu = -dxc.sum(axis=0)
    return dxc + dmu / N, dgamma, dbeta


def _bn_constants(dY, X, gamma, eps):
    dX, dgamma, dbeta = ops.batchnorm_backward(dY, X, gamma, eps)
    return dY * gamma / np.sqrt(X.var(axis=0) + eps), dgamma, dbeta


def _bn_mean_only(dY, X, gamma, eps):
    dX, dgamma, dbeta = ops.batchnorm_backward(dY, X, gamma, eps)
    dXhat = dY * gamma
    return (dXhat - dXhat.mean(axis=0)) / np.sqrt(X.var(axis=0) + eps), dgamma, dbeta


def _bn_var_only(dY, X, gamma, eps):
    dX, dgamma, dbeta = ops.batchnorm_backward(dY, X, gamma, eps)
    dXhat, Xhat = dY * gamma, (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + eps)
    return (
        (dXhat - Xhat * (dXhat * Xhat).mean(axis=0)) / np.sqrt(X.var(axis=0) + eps),
        dgamma,
        dbeta,
    )


def _bn_no_gamma(dY, X, gamma, eps):
    return ops.batchnorm_backward(dY, X, np.ones_like(gamma), eps)[0], *ops.batchnorm_backward(
        dY, X, gamma, eps
    )[1:]


def _bn_replace(i, value_of):
    def answer(dY, X, gamma, eps):
        out = list(ops.batchnorm_backward(dY, X, gamma, eps))
        out[i] = value_of(dY, X, gamma, eps)
        return tuple(out)

    return answer


def _bn_xhat(X, eps):
    return (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + eps)


RIGHT = [
    ("network_backward", _loop()),
    ("network_backward", _by_index),
    ("network_backward", _recursive),
    ("network_backward", _loop(order=lambda layers: layers[::-1])),
    ("leaky_relu_backward", lambda dA, Z, alpha: dA * np.where(Z > 0, 1.0, alpha)),
    (
        "leaky_relu_backward",
        lambda dA, Z, alpha: np.where(Z >= 0, dA, alpha * dA),
    ),  # slope 1 at Z == 0
    (
        "elu_backward",
        lambda dA, Z, alpha: np.where(
            Z > 0, dA, dA * (alpha * (np.exp(np.minimum(Z, 0)) - 1) + alpha)
        ),
    ),
    (
        "elu_backward",
        lambda dA, Z, alpha: np.where(Z >= 0, dA, dA * alpha * np.exp(np.minimum(Z, 0))),
    ),
    ("softplus_backward", lambda dA, Z: dA * 0.5 * (1 + np.tanh(Z / 2))),
    ("softplus_backward", lambda dA, Z: dA * np.exp(-np.logaddexp(0, -Z))),
    ("softmax_pool_backward", _pool_loop),
    ("batchnorm_backward", _bn_graph),
]

WRONG = [
    ("network_backward", _loop(order=lambda layers: layers), "wrong_values", "forward order"),
    ("network_backward", _loop(pass_on=False), "wrong_values", "not passed on"),
    (
        "network_backward",
        _loop(accumulate=False),
        "wrong_values",
        "overwritten instead of accumulated",
    ),
    ("network_backward", _forgets_to_add, "wrong_values", "did not change"),
    ("network_backward", _loop(returns="dY_hat"), "wrong_shape", "should return dL/dX"),
    ("network_backward", _loop(returns="none"), "wrong_shape", "should return dL/dX"),
    ("leaky_relu_backward", lambda dA, Z, alpha: dA * (Z > 0), "wrong_derivative", "like ReLU"),
    (
        "leaky_relu_backward",
        lambda dA, Z, alpha: np.where(dA > 0, dA, alpha * dA),
        "mask_from_gradient",
        "mask from dA",
    ),
    (
        "leaky_relu_backward",
        lambda dA, Z, alpha: np.where(Z > 0, alpha * dA, dA),
        "wrong_derivative",
        "other way round",
    ),
    (
        "leaky_relu_backward",
        lambda dA, Z, alpha: np.where(Z > 0, 1.0, alpha),
        "wrong_values",
        "slope alone",
    ),
    (
        "leaky_relu_backward",
        lambda dA, Z, alpha: np.where(Z > 0, Z, alpha * Z),
        "wrong_values",
        "forward pass",
    ),
    (
        "elu_backward",
        lambda dA, Z, alpha: dA * np.where(Z > 0, 1, alpha * (np.exp(np.minimum(Z, 0)) - 1)),
        "wrong_derivative",
        "activation's value",
    ),
    (
        "elu_backward",
        lambda dA, Z, alpha: dA * np.where(Z > 0, 1, np.exp(np.minimum(Z, 0))),
        "wrong_derivative",
        "factor alpha",
    ),
    (
        "elu_backward",
        lambda dA, Z, alpha: dA * np.where(Z > 0, 1, alpha),
        "wrong_derivative",
        "as in LeakyReLU",
    ),
    ("elu_backward", lambda dA, Z, alpha: dA * (Z > 0), "wrong_derivative", "like ReLU"),
    (
        "elu_backward",
        lambda dA, Z, alpha: np.where(Z > 0, 1, alpha * np.exp(np.minimum(Z, 0))),
        "wrong_values",
        "slope alone",
    ),
    (
        "elu_backward",
        lambda dA, Z, alpha: dA * (Z > 0) + dA * (Z <= 0) * alpha * np.exp(Z),
        "not_stable",
        "overflows",
    ),
    (
        "softplus_backward",
        lambda dA, Z: dA * np.logaddexp(0, Z),
        "wrong_derivative",
        "forward value",
    ),
    (
        "softplus_backward",
        lambda dA, Z: dA * np.exp(Z),
        "wrong_derivative",
        "derivative of the inside",
    ),
    (
        "softplus_backward",
        lambda dA, Z: dA / (1 + np.exp(Z)),
        "wrong_derivative",
        "log's derivative alone",
    ),
    ("softplus_backward", lambda dA, Z: _sig(Z), "wrong_values", "slope alone"),
    (
        "softplus_backward",
        lambda dA, Z: dA * np.exp(Z) / (1 + np.exp(Z)),
        "not_stable",
        "overflows",
    ),
    (
        "softmax_pool_backward",
        lambda dO, S, V: (np.einsum("ntd,nd->nt", V, dO), ops.softmax_pool_backward(dO, S, V)[1]),
        "wrong_derivative",
        "not the scores",
    ),
    (
        "softmax_pool_backward",
        lambda dO, S, V: (
            _softmax(S) * np.einsum("ntd,nd->nt", V, dO),
            ops.softmax_pool_backward(dO, S, V)[1],
        ),
        "wrong_derivative",
        "diagonal",
    ),
    (
        "softmax_pool_backward",
        lambda dO, S, V: (
            _softmax(S) * (1 - _softmax(S)) * np.einsum("ntd,nd->nt", V, dO),
            ops.softmax_pool_backward(dO, S, V)[1],
        ),
        "wrong_derivative",
        "its own score only",
    ),
    (
        "softmax_pool_backward",
        lambda dO, S, V: (
            ops.softmax_pool_backward(dO, S, V)[0],
            np.broadcast_to(dO[:, None, :], V.shape).copy(),
        ),
        "wrong_values",
        "weight",
    ),
    ("softmax_pool_backward", _pool_swapped, "swapped", "dS"),
    ("batchnorm_backward", _bn_constants, "wrong_derivative", "constants"),
    ("batchnorm_backward", _bn_mean_only, "wrong_derivative", "not the one through the variance"),
    ("batchnorm_backward", _bn_var_only, "wrong_derivative", "not the one through the mean"),
    ("batchnorm_backward", _bn_no_gamma, "wrong_values", "factor gamma"),
    (
        "batchnorm_backward",
        _bn_replace(1, lambda dY, X, gamma, eps: dY.sum(axis=0)),
        "wrong_values",
        "times X̂",
    ),
    (
        "batchnorm_backward",
        _bn_replace(2, lambda dY, X, gamma, eps: dY.sum(axis=1)),
        "wrong_axis",
        "wrong axis",
    ),
    (
        "batchnorm_backward",
        _bn_replace(1, lambda dY, X, gamma, eps: (dY * _bn_xhat(X, eps)).sum(axis=1)),
        "wrong_axis",
        "wrong axis",
    ),
    (
        "batchnorm_backward",
        _bn_replace(2, lambda dY, X, gamma, eps: dY.mean(axis=0)),
        "scale",
        "average",
    ),
]


def test_the_new_gradient_exercises_are_registered():
    assert set(NEW) <= set(exercise_ids())


@pytest.mark.parametrize("exercise_id", NEW)
def test_the_reference_passes(exercise_id, exercise_contract):
    exercise_contract.reference_passes(exercise_id)


@pytest.mark.parametrize("exercise_id", NEW)
def test_the_template_is_not_implemented(exercise_id, exercise_contract):
    exercise_contract.template_is_not_implemented(exercise_id)


@pytest.mark.parametrize(
    "exercise_id, fn", RIGHT, ids=[f"{e}-{i}" for i, (e, _) in enumerate(RIGHT)]
)
def test_a_correct_alternative_passes(exercise_id, fn, exercise_contract):
    exercise_contract.alternative_passes(exercise_id, fn)


@pytest.mark.parametrize(
    "exercise_id, fn, diagnosis, words",
    WRONG,
    ids=[f"{e}-{d}-{i}" for i, (e, _, d, _) in enumerate(WRONG)],
)
def test_a_wrong_answer_gets_its_diagnosis(exercise_id, fn, diagnosis, words, exercise_contract):
    exercise_contract.mistake_is_diagnosed(exercise_id, fn, diagnosis, words)


def test_every_mistake_model_is_reproduced_by_a_tested_wrong_answer():
    """Each Mistake of the new FunctionExercises is the diagnosis of at least one WRONG row."""
    tested = {e for e, _, _, _ in WRONG}
    for exercise in ops.EXERCISES:
        assert exercise.id in tested
        messages = [
            check(exercise.id, fn, show_result=False).message
            for e, fn, _, _ in WRONG + SHARPER
            if e == exercise.id
        ]
        for mistake in exercise.mistakes:
            needle = mistake.message.split("{output}")[-1][:40]
            assert any(needle in m for m in messages), (
                f"{exercise.id}: no tested answer for {mistake.message!r}"
            )


def test_the_steps_of_a_recorded_network_agree_with_bplearns_backward():
    import bplearn as bp

    net = bp.MLP([3, 4, 2], activation="tanh", init="xavier", seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    W1, b1, W2, b2 = net.parameters()
    Y_hat, steps = nb04_network.record_steps(X, [(W1, b1), "tanh", (W2, b2)])
    assert np.allclose(Y_hat, net.forward(X))
    dY_hat = np.random.default_rng(1).normal(size=Y_hat.shape)
    mine = [np.zeros_like(p.value) for p in net.parameters()]
    for p in net.parameters():
        p.zero_grad()
    dX = network_backward(steps, dY_hat)
    mine = [p.grad.copy() for p in net.parameters()]
    net.zero_grad()
    net.forward(X)
    assert np.allclose(net.backward(dY_hat), dX)
    assert all(np.allclose(a, p.grad) for a, p in zip(mine, net.parameters()))


def test_a_step_refuses_a_gradient_of_the_wrong_shape():
    X = np.ones((2, 3))
    from bplearn.layers import Parameter

    _, steps = nb04_network.record_steps(X, [(Parameter(np.ones((3, 4))), Parameter(np.zeros(4)))])
    with pytest.raises(ValueError, match=r"expects d_out of shape \(2, 4\).*got shape \(2, 3\)"):
        steps[0].backward(np.ones((2, 3)))


@pytest.mark.parametrize(
    "exercise_id, answer",
    [
        ("network_backward", network_backward),
        ("network_backward", _loop(accumulate=False)),
        ("network_backward", _loop(order=lambda layers: layers)),
        ("network_backward", _loop(returns="none")),
        ("batchnorm_backward", _bn_constants),
        ("softmax_pool_backward", _pool_swapped),
    ],
)
def test_evidence_written_by_a_kernel_is_judged_exactly_as_in_the_notebook(
    tmp_path, exercise_id, answer
):
    from bplearn.exercises import evidence

    exercise = get(exercise_id)
    found = exercise.collect(answer)
    evidence.dump(found, tmp_path / exercise_id)
    assert exercise.judge(evidence.load(tmp_path / exercise_id)) == exercise.judge(found)
