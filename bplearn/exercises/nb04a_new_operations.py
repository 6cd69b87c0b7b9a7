"""Notebook 04a's exercises: the backward pass of operations no notebook derives.

Notation as in STYLE.md; every function takes the upstream gradient first.

    leaky_relu_backward(dA, Z, alpha) -> dZ        A = Z where Z > 0, alpha·Z elsewhere
    elu_backward(dA, Z, alpha) -> dZ               A = Z where Z > 0, alpha·(exp(Z) − 1) elsewhere
    softplus_backward(dA, Z) -> dZ                 A = log(1 + exp(Z))
    softmax_pool_backward(dO, S, V) -> (dS, dV)    O[n] = Σ_t softmax(S[n])_t V[n, t]   S (N, T), V
    (N, T, D)
    batchnorm_backward(dY, X, gamma, eps) -> (dX, dgamma, dbeta)
                                                   Y = gamma · (X − mean) / sqrt(var + eps) + beta,
                                                   over the batch

The three element-wise exercises (references, cases, mistakes) are defined in
``nb04a_activations``.
"""

import numpy as np

from .. import layers
from .cases import F32, F64, Size, normal
from .function_exercise import Case, FunctionExercise, Mistake
from .nb04a_activations import (
    ELU_BACKWARD,
    LEAKY_RELU_BACKWARD,
    SOFTPLUS_BACKWARD,
)

# ---------------------------------------------------------------- references


def _softmax(S, axis=-1):
    E = np.exp(S - S.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def softmax_pool_backward(dO, S, V):
    """(dS, dV) for O[n] = sum_t P[n, t] V[n, t] with P = softmax(S) row by row."""
    P = _softmax(S)
    dV = P[:, :, None] * dO[:, None, :]
    dP = np.einsum("ntd,nd->nt", V, dO)
    dS = P * (dP - np.sum(P * dP, axis=1, keepdims=True))
    return dS, dV


def _bn_parts(X, eps):
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    inv = 1 / np.sqrt(var + eps)
    return (X - mu) * inv, inv


def batchnorm_backward(dY, X, gamma, eps):
    """(dX, dgamma, dbeta) for Y = gamma * (X - mean) / sqrt(var + eps) + beta, statistics over the
    batch."""
    Xhat, inv = _bn_parts(X, eps)
    dXhat = dY * gamma
    dX = inv * (dXhat - dXhat.mean(axis=0) - Xhat * (dXhat * Xhat).mean(axis=0))
    return dX, (dY * Xhat).sum(axis=0), dY.sum(axis=0)


# ---------------------------------------------------------------- mistakes of every kind


def _pool_softmax_axis0(dO, S, V):
    P = _softmax(S, axis=0)
    dP = np.einsum("ntd,nd->nt", V, dO)
    return P * (dP - np.sum(P * dP, axis=0, keepdims=True)), P[:, :, None] * dO[:, None, :]


def _pool_sum_axis0(dO, S, V):
    P = _softmax(S)
    dP = np.einsum("ntd,nd->nt", V, dO)
    return P * (dP - np.sum(P * dP, axis=0, keepdims=True)), P[:, :, None] * dO[:, None, :]


def _bn_features(dY, X, gamma, eps):
    """Batch norm with its statistics over the features (axis 1): layer normalisation."""
    Xhat = (X - X.mean(axis=1, keepdims=True)) / np.sqrt(X.var(axis=1, keepdims=True) + eps)
    inv = 1 / np.sqrt(X.var(axis=1, keepdims=True) + eps)
    dXhat = dY * gamma
    dX = inv * (
        dXhat
        - dXhat.mean(axis=1, keepdims=True)
        - Xhat * (dXhat * Xhat).mean(axis=1, keepdims=True)
    )
    return dX, (dY * Xhat).sum(axis=0), dY.sum(axis=0)


def _bn_means_axis1(dXhat, Xhat, inv):
    return inv * (
        dXhat
        - dXhat.mean(axis=1, keepdims=True)
        - Xhat * (dXhat * Xhat).mean(axis=1, keepdims=True)
    )


def _pool_cases(rng):
    cases = [
        Case(
            (
                np.array([[1.0, -1.0]]),
                np.array([[0.0, 0.0]]),
                np.array([[[1.0, 2.0], [3.0, -1.0]]]),
            ),
            note="the fixed example: two items, equal scores",
        )
    ]
    for n, t_, d, dtype in [
        (3, 4, 2, F64),
        (2, 5, 3, F32),
        (4, 3, 1, F64),
        (5, 2, 4, F64),
        (2, 6, 3, F32),
    ]:
        cases.append(
            Case(
                (
                    normal(rng, (n, d), dtype),
                    normal(rng, (n, t_), dtype),
                    normal(rng, (n, t_, d), dtype),
                )
            )
        )
    return cases


def _pool_dV_only_ones(dO, S, V):
    dS, dV = softmax_pool_backward(dO, S, V)
    return dS, np.broadcast_to(dO[:, None, :], V.shape).copy()


def _pool(dS_of):
    def answer(dO, S, V):
        P = _softmax(S)
        dP = np.einsum("ntd,nd->nt", V, dO)
        return dS_of(P, dP), P[:, :, None] * dO[:, None, :]

    return answer


SOFTMAX_POOL_BACKWARD = FunctionExercise(
    "softmax_pool_backward",
    title="Backward through a softmax-weighted sum",
    points=2,
    args=("dO", "S", "V"),
    outputs=("dS", "dV"),
    reference=softmax_pool_backward,
    cases=_pool_cases,
    sizes=lambda dO, S, V: [
        Size("T", "the number of items per example", S.shape[1], "over the items"),
        Size("N", "the batch size", S.shape[0]),
    ],
    mistakes=[
        Mistake(
            "wrong_derivative",
            _pool(lambda P, dP: dP),
            "{output} is the gradient with respect to the weights P = softmax(S), not the scores S:"
            " go on backward through the softmax (its Jacobian, notebook 04).",
        ),
        Mistake(
            "wrong_derivative",
            _pool(lambda P, dP: P * dP),
            "{output} keeps only the diagonal of the softmax's Jacobian: every weight depends on"
            " every score of its row, so each score also gets a share from the other items (the"
            " −P·P part).",
        ),
        Mistake(
            "wrong_derivative",
            _pool(lambda P, dP: P * (1 - P) * dP),
            "{output} treats the softmax as if each weight depended on its own score only (the"
            " sigmoid's P(1 − P)): the off-diagonal terms of the Jacobian are missing.",
        ),
        Mistake(
            "wrong_values",
            _pool_dV_only_ones,
            "{output}: each item's value V[n, t] enters the output multiplied by its weight P[n,"
            " t], so its gradient carries that weight too.",
        ),
        Mistake(
            "wrong_axis",
            _pool_softmax_axis0,
            "{output}: the softmax was taken over the batch (axis 0), down each column of S; each"
            " example weighs its own T items, so it normalises each row (axis 1).",
        ),
        Mistake(
            "wrong_axis",
            _pool_sum_axis0,
            "{output}: the softmax's Jacobian sums over the wrong axis: the share each score gets"
            " from the other items sums over the items of its row (axis 1), not over the batch.",
        ),
    ],
)


def _bn_cases(rng):
    cases = [
        Case(
            (
                np.array([[1.0, -1.0], [0.0, 2.0], [-1.0, 0.5]]),
                np.array([[1.0, 2.0], [3.0, 0.0], [2.0, 1.0]]),
                np.array([1.0, 0.5]),
                1e-5,
            ),
            note="the fixed example",
        )
    ]
    for n, d, dtype in [(4, 3, F64), (8, 2, F64), (5, 4, F32), (6, 1, F64), (16, 3, F32)]:
        cases.append(
            Case(
                (
                    normal(rng, (n, d), dtype),
                    (normal(rng, (n, d)) * 2 + 1).astype(dtype),
                    (1 + 0.5 * normal(rng, d)).astype(dtype),
                    1e-5,
                )
            )
        )
    return cases


def _bn_wrong(dX_of=None, dgamma_of=None, dbeta_of=None):
    def answer(dY, X, gamma, eps):
        Xhat, inv = _bn_parts(X, eps)
        dXhat = dY * gamma
        dX, dgamma, dbeta = batchnorm_backward(dY, X, gamma, eps)
        # the factor gamma forgotten
        if dX_of is not None and dX_of(dXhat, Xhat, inv) is None:
            dX = batchnorm_backward(dY, X, np.ones_like(gamma), eps)[0]
        elif dX_of is not None:
            dX = dX_of(dXhat, Xhat, inv)
        return (
            dX,
            dgamma_of(dY, Xhat) if dgamma_of else dgamma,
            dbeta_of(dY) if dbeta_of else dbeta,
        )

    return answer


BATCHNORM_BACKWARD = FunctionExercise(
    "batchnorm_backward",
    title="Backward through batch normalisation",
    points=3,
    args=("dY", "X", "gamma", "eps"),
    outputs=("dX", "dgamma", "dbeta"),
    reference=batchnorm_backward,
    may_not_use=(layers.layer_norm_backward,),
    cases=_bn_cases,
    rtol={F32: 5e-4},
    mistakes=[
        Mistake(
            "wrong_derivative",
            _bn_wrong(dX_of=lambda dXhat, Xhat, inv: dXhat * inv),
            "{output} treats the batch mean and variance as constants: they are computed from X, so"
            " every X[n, j] also moves them, and those paths add to its gradient.",
        ),
        Mistake(
            "wrong_derivative",
            _bn_wrong(dX_of=lambda dXhat, Xhat, inv: inv * (dXhat - dXhat.mean(axis=0))),
            "{output} follows the path through the mean but not the one through the variance: the"
            " variance depends on X too.",
        ),
        Mistake(
            "wrong_derivative",
            _bn_wrong(
                dX_of=lambda dXhat, Xhat, inv: inv * (dXhat - Xhat * (dXhat * Xhat).mean(axis=0))
            ),
            "{output} follows the path through the variance but not the one through the mean: the"
            " mean depends on X too.",
        ),
        Mistake(
            "wrong_values",
            _bn_wrong(dX_of=lambda dXhat, Xhat, inv: None),
            "{output} is missing the factor gamma: the normalised X̂ is multiplied by gamma before"
            " it reaches Y.",
        ),
        Mistake(
            "wrong_values",
            _bn_wrong(dgamma_of=lambda dY, Xhat: dY.sum(axis=0)),
            "{output}: gamma multiplies X̂, so its gradient is the upstream gradient times X̂,"
            " summed over the batch.",
        ),
        Mistake(
            "wrong_axis",
            _bn_wrong(dbeta_of=lambda dY: dY.sum(axis=1)),
            "{output} is summed over the wrong axis: beta has one entry per feature, shared by"
            " every example.",
        ),
        Mistake(
            "wrong_axis",
            _bn_wrong(dgamma_of=lambda dY, Xhat: (dY * Xhat).sum(axis=1)),
            "{output} is summed over the wrong axis: gamma has one entry per feature, shared by"
            " every example.",
        ),
        Mistake(
            "wrong_axis",
            _bn_features,
            "{output}: the mean and variance were taken over the features of each example (axis"
            " 1), which is layer normalisation; batch normalisation takes them over the batch"
            " (axis 0), one mean and variance per feature.",
        ),
        Mistake(
            "wrong_axis",
            _bn_wrong(dX_of=_bn_means_axis1),
            "{output}: the forward statistics are over the batch, but the means in the backward"
            " pass are over the features (axis 1): the paths through the mean and the variance"
            " sum over the examples that share them (axis 0).",
        ),
    ],
)

EXERCISES = [
    LEAKY_RELU_BACKWARD,
    ELU_BACKWARD,
    SOFTPLUS_BACKWARD,
    SOFTMAX_POOL_BACKWARD,
    BATCHNORM_BACKWARD,
]
