"""Every kind of mistake issue 19 found on the newest exercises gets its own diagnosis and a message
that names it, written the way a learner writes the mistake:

    at_output            the derivative taken at the output A = f(Z) instead of the input Z
                         (tanh, ELU, softplus, softsign, the residual branch's ReLU)
    mask_from_gradient   the mask or slope chosen by the upstream gradient instead of Z
    wrong_axis           softmax pooling and batch norm over the wrong axis
    scale                an extra 1/N on an element-wise operation
    kink                 slope 0 exactly at Z = 0, where alpha..1 is allowed (the message says Z = 0)
    missed_nodes         backward leaves the leaves without a gradient
    sign                 p.grad -= g in network_backward (accumulating subtracts)

Each is told apart from the mistakes that look like it (the in-order walk still gets its own
message; an overwritten .grad is still "overwritten")."""

import numpy as np
import pytest

from bplearn import autodiff as ad
from bplearn.exercises import check


def at_output_tanh(dA, Z):
    A = np.tanh(Z)
    return dA * (1 - np.tanh(A) ** 2)


def at_output_elu(dA, Z, alpha):
    A = np.where(Z > 0, Z, alpha * (np.exp(np.minimum(Z, 0)) - 1))
    return dA * np.where(A > 0, 1.0, alpha * np.exp(np.minimum(A, 0)))


def at_output_softplus(dA, Z):
    A = np.logaddexp(0, Z)
    return dA * 0.5 * (1 + np.tanh(0.5 * A))


def at_output_softsign(dA, Z):
    A = Z / (1 + np.abs(Z))
    return dA / (1 + np.abs(A)) ** 2


def residual_mask_at_branch_output(dY, X, W, b):
    A = np.maximum(X, 0)
    F = A @ W + b
    return dY + (dY @ W.T) * (F > 0), A.T @ dY, dY.sum(axis=0)


def residual_mask_from_gradient(dY, X, W, b):
    A = np.maximum(X, 0)
    dA = dY @ W.T
    return dY + dA * (dA > 0), A.T @ dY, dY.sum(axis=0)


def elu_mask_from_gradient(dA, Z, alpha):
    return np.where(dA > 0, dA, alpha * np.exp(np.minimum(Z, 0)) * dA)


def pool_softmax_down_the_batch(dO, S, V):
    E = np.exp(S - S.max(axis=0, keepdims=True))
    P = E / E.sum(axis=0, keepdims=True)
    dV = P[:, :, None] * dO[:, None, :]
    dP = (V * dO[:, None, :]).sum(axis=2)
    return P * (dP - (P * dP).sum(axis=0, keepdims=True)), dV


def pool_jacobian_sum_down_the_batch(dO, S, V):
    E = np.exp(S - S.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    dV = P[:, :, None] * dO[:, None, :]
    dP = (V * dO[:, None, :]).sum(axis=2)
    return P * (dP - (P * dP).sum(axis=0, keepdims=True)), dV


def batchnorm_over_the_features(dY, X, gamma, eps):
    mu, var = X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True)
    inv_std = 1 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    dX_hat = dY * gamma
    dX = inv_std * (
        dX_hat
        - dX_hat.mean(axis=1, keepdims=True)
        - X_hat * (dX_hat * X_hat).mean(axis=1, keepdims=True)
    )
    return dX, (dY * X_hat).sum(axis=0), dY.sum(axis=0)


def batchnorm_backward_means_over_the_features(dY, X, gamma, eps):
    inv_std = 1 / np.sqrt(X.var(axis=0) + eps)
    X_hat = (X - X.mean(axis=0)) * inv_std
    dX_hat = dY * gamma
    dX = inv_std * (
        dX_hat
        - dX_hat.mean(axis=1, keepdims=True)
        - X_hat * (dX_hat * X_hat).mean(axis=1, keepdims=True)
    )
    return dX, (dY * X_hat).sum(axis=0), dY.sum(axis=0)


def leaky_over_n(dA, Z, alpha):
    return np.where(Z > 0, dA, alpha * dA) / Z.shape[0]


def elu_over_n(dA, Z, alpha):
    return dA * np.where(Z > 0, 1.0, alpha * np.exp(np.minimum(Z, 0))) / len(Z)


def softplus_over_n(dA, Z):
    return dA * 0.5 * (1 + np.tanh(0.5 * Z)) / Z.shape[0]


def softsign_over_n(dA, Z):
    return dA / (1 + np.abs(Z)) ** 2 / Z.shape[0]


def leaky_zero_at_the_kink(dA, Z, alpha):
    return np.select([Z > 0, Z < 0], [dA, alpha * dA], 0.0)


def elu_zero_at_the_kink(dA, Z, alpha):
    return dA * np.select([Z > 0, Z < 0], [1.0, alpha * np.exp(np.minimum(Z, 0))], 0.0)


def backward_that_skips_the_leaves(loss):
    order = ad.topological_order(loss)
    for node in order:
        node.grad = np.zeros_like(node.value)
    loss.grad = np.ones_like(loss.value)
    for node in reversed(order):
        for parent, g in zip(node.parents, node.vjp(node.grad) if node.vjp else ()):
            if parent.parents:  # only nodes that were computed
                parent.grad = parent.grad + g


def network_backward_subtracting(layers, dY_hat):
    d = dY_hat
    for layer in reversed(layers):
        d, grads = layer.backward(d)
        for p, g in zip(layer.params, grads):
            p.grad -= g
    return d


CASES = [
    ("tanh_backward", at_output_tanh, "at_output", "output A = tanh(Z)"),
    ("elu_backward", at_output_elu, "at_output", "output A = f(Z)"),
    ("softplus_backward", at_output_softplus, "at_output", "output A = f(Z)"),
    ("softsign_backward", at_output_softsign, "at_output", "A = softsign(Z)"),
    ("residual_backward", residual_mask_at_branch_output, "at_output", "branch's output F"),
    ("residual_backward", residual_mask_from_gradient, "mask_from_gradient", "built from the"),
    ("elu_backward", elu_mask_from_gradient, "mask_from_gradient", "sign of dA"),
    ("softmax_pool_backward", pool_softmax_down_the_batch, "wrong_axis", "over the batch"),
    ("softmax_pool_backward", pool_jacobian_sum_down_the_batch, "wrong_axis", "items of its row"),
    ("batchnorm_backward", batchnorm_over_the_features, "wrong_axis", "layer normalisation"),
    (
        "batchnorm_backward",
        batchnorm_backward_means_over_the_features,
        "wrong_axis",
        "means in the backward pass are over the features",
    ),
    ("leaky_relu_backward", leaky_over_n, "scale", "element-wise operation has no average"),
    ("elu_backward", elu_over_n, "scale", "element-wise operation has no average"),
    ("softplus_backward", softplus_over_n, "scale", "element-wise operation has no average"),
    ("softsign_backward", softsign_over_n, "scale", "element-wise operation has no average"),
    ("leaky_relu_backward", leaky_zero_at_the_kink, "kink", "Z = 0"),
    ("elu_backward", elu_zero_at_the_kink, "kink", "Z = 0"),
    ("backward", backward_that_skips_the_leaves, "missed_nodes", "never receive a gradient"),
    ("network_backward", network_backward_subtracting, "sign", "p.grad -= g"),
]


@pytest.mark.parametrize(
    "exercise_id, answer, diagnosis, words",
    CASES,
    ids=[f"{e}-{a.__name__}" for e, a, _, _ in CASES],
)
def test_each_kind_of_mistake_gets_its_own_diagnosis(exercise_id, answer, diagnosis, words):
    result = check(exercise_id, answer, show_result=False)
    assert (result.diagnosis, result.points) == (diagnosis, 0), result.message
    assert words in result.message, result.message
