"""Exercises of notebook 11 (from digits to a language model): three backward passes of a small
transformer.

    embedding_backward(dX, ids, n_tokens) -> dE   X = E[ids]:  dX (N, T, D), ids (N, T) ints,
                                                   dE (n_tokens, D)
    softmax_backward(dP, P) -> dS                 P = softmax(S) along the last axis (masked entries
                                                   of S are -inf, so P is 0 there); any shape
    attention_backward(dA, Q, K, V) -> (dQ, dK, dV)
        S = Q @ K^T / sqrt(d) (per sequence), causal mask, P = softmax(S), A = P @ V
        Q, K (N, T, d), V and dA (N, T, d_v)

The references are bplearn's own (bplearn.sequence), except softmax_backward, which the core
writes inside its attention_backward.  No side effects: ``EXERCISES`` lists them; the registry
registers them.
"""

import numpy as np

from .. import sequence
from ..sequence import embedding_backward
from .cases import F32, F64, normal
from .function_exercise import Case, FunctionExercise, Mistake


def _T(A):
    """Each matrix of a stack transposed: (N, T, d) -> (N, d, T)."""
    return np.swapaxes(A, -1, -2)


def softmax_backward(dP, P):
    """dS for P = softmax(S) along the last axis: dS = P * (dP - sum_j dP_j P_j), row by row."""
    return P * (dP - (dP * P).sum(axis=-1, keepdims=True))


def attention_backward(dA, Q, K, V):
    """(dQ, dK, dV) for A = attention_forward(Q, K, V): bplearn's backward, given the weights P."""
    return sequence.attention_backward(dA, Q, K, V, sequence.attention_forward(Q, K, V)[1])


def causal_attention(Q, K, V, mask=True, scale=True):
    """(A, P) as sequence.attention_forward, with the mask or the scale left out when asked (the
    learners' mistakes)."""
    S = Q @ _T(K) / (np.sqrt(Q.shape[-1]) if scale else 1.0)
    if mask:
        T = S.shape[-1]
        S = np.where(np.tril(np.ones((T, T), dtype=bool)), S, -np.inf)
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    P = E / E.sum(axis=-1, keepdims=True)
    return P @ V, P


# ---------------------------------------------------------------- embedding_backward


def _buffered(dX, ids, n_tokens):
    dE = np.zeros((n_tokens, dX.shape[-1]), dtype=dX.dtype)
    dE[ids] += dX  # numpy buffers fancy-indexed updates: a repeated row is written once
    return dE


def _mean_of_uses(dX, ids, n_tokens):
    counts = np.bincount(ids.ravel(), minlength=n_tokens)
    return embedding_backward(dX, ids, n_tokens) / np.maximum(counts, 1)[:, None]


def _embedding_cases(rng):
    cases = []
    for N, T, D, V, dtype in [
        (2, 5, 3, 4, F64),  # 10 positions, 4 tokens: repeats for sure
        (1, 6, 2, 3, F64),
        (3, 4, 5, 27, F32),
        (4, 7, 4, 6, F64),
        (1, 1, 3, 5, F64),  # one token: every other row of dE is 0
        (5, 3, 2, 2, F32),
    ]:
        ids = rng.integers(0, V, size=(N, T))
        ids.flat[-1] = ids.flat[0]  # at least one token used twice
        cases.append(Case((normal(rng, (N, T, D), dtype), ids, V)))
    return cases


EMBEDDING_BACKWARD = FunctionExercise(
    "embedding_backward",
    title="The backward pass of an embedding (a lookup)",
    points=2,
    args=("dX", "ids", "n_tokens"),
    outputs="dE",
    reference=embedding_backward,
    cases=_embedding_cases,
    sizes=lambda dX, ids, n_tokens: [],
    mistakes=[
        Mistake(
            "wrong_values",
            _buffered,
            "{output}: a token that occurs more than once got the gradient of only one of its"
            " occurrences. With repeated indices, `dE[ids] += dX` does not add twice: numpy"
            " computes every right-hand side first and writes each row once, so the later"
            " occurrence overwrites the earlier. Every use of a row must add its share.",
        ),
        Mistake(
            "wrong_values",
            _mean_of_uses,
            "{output}: a token used k times got the average of its k gradients; a row used k times"
            " gets their sum (the loss changes through each use).",
        ),
    ],
)


# ---------------------------------------------------------------- softmax_backward


def _diagonal_only(dP, P):
    return P * (1 - P) * dP


def _no_outer_P(dP, P):
    return dP - (dP * P).sum(axis=-1, keepdims=True)


def _unweighted_sum(dP, P):
    return P * (dP - dP.sum(axis=-1, keepdims=True))


def _other_axis(dP, P):
    return P * (dP - (dP * P).sum(axis=-2, keepdims=True))


def _softmax_of(S):
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def _softmax_cases(rng):
    cases = []
    for shape, dtype, causal in [
        ((4, 5), F64, False),
        ((2, 4, 4), F64, True),
        ((3, 3), F32, False),
        ((1, 6, 6), F64, True),
        ((2, 3, 3), F32, True),
        ((5, 2), F64, False),
    ]:
        S = normal(rng, shape, F64, 1.5)
        if causal:
            T = shape[-1]
            S = np.where(np.tril(np.ones((T, T), dtype=bool)), S, -np.inf)
        P = _softmax_of(S).astype(dtype)
        note = "a causal mask: P is 0 above the diagonal" if causal else ""
        cases.append(Case((normal(rng, shape, dtype), P), note=note))
    return cases


SOFTMAX_BACKWARD = FunctionExercise(
    "softmax_backward",
    title="The backward pass of the (masked) softmax",
    points=2,
    args=("dP", "P"),
    outputs="dS",
    reference=softmax_backward,
    cases=_softmax_cases,
    sizes=lambda dP, P: [],
    mistakes=[
        Mistake(
            "wrong_derivative",
            _diagonal_only,
            "{output} keeps only the diagonal of the softmax's Jacobian (dP_i/dS_i): each P_i of a"
            " row depends on every score S_j of that row (they share the denominator), and those"
            " off-diagonal terms are missing.",
        ),
        Mistake(
            "wrong_values",
            _no_outer_P,
            "{output}: the derivative of exp was left out. P_i is exp(S_i) divided by the row's"
            " sum: going back through exp multiplies by its derivative.",
        ),
        Mistake(
            "wrong_values",
            _unweighted_sum,
            "{output}: the sum over the row must weigh each upstream gradient by how much its"
            " entry depends on the shared denominator; yours sums the upstream gradient"
            " unweighted.",
        ),
        Mistake(
            "wrong_axis",
            _other_axis,
            "{output}: the softmax normalises along the last axis (each row), so the sum over the"
            " row belongs on that axis.",
        ),
    ],
)


# ---------------------------------------------------------------- attention_backward


def _with(dS_of, dK_of=None, dV_of=None):
    """An attention backward built from a (possibly wrong) dS, dK and dV."""

    def answer(dA, Q, K, V):
        Y, P = causal_attention(Q, K, V)
        dS = dS_of(dA, Q, K, V, P)
        dK = dK_of(dS, Q) if dK_of else _T(dS) @ Q
        dV = dV_of(P, dA) if dV_of else _T(P) @ dA
        return dS @ K, dK, dV

    return answer


def _no_mask(dA, Q, K, V):
    Y, P = causal_attention(Q, K, V, mask=False)
    dS = softmax_backward(dA @ _T(V), P) / np.sqrt(Q.shape[-1])
    return dS @ K, _T(dS) @ Q, _T(P) @ dA


def _no_scale_anywhere(dA, Q, K, V):
    Y, P = causal_attention(Q, K, V, scale=False)
    dS = softmax_backward(dA @ _T(V), P)
    return dS @ K, _T(dS) @ Q, _T(P) @ dA


_SQRT_D = lambda Q: np.sqrt(Q.shape[-1])  # noqa: E731

ATTENTION_BACKWARD = FunctionExercise(
    "attention_backward",
    title="The backward pass of causal self-attention",
    points=3,
    args=("dA", "Q", "K", "V"),
    outputs=("dQ", "dK", "dV"),
    reference=attention_backward,
    may_use=(sequence.attention_forward,),  # the page says P may come from the forward pass
    may_not_use=(sequence.attention_backward,),
    cases=lambda rng: [
        Case(
            (
                normal(rng, (N, T, dv), dtype),
                normal(rng, (N, T, d), dtype),
                normal(rng, (N, T, d), dtype),
                normal(rng, (N, T, dv), dtype),
            )
        )
        for N, T, d, dv, dtype in [
            (2, 4, 3, 3, F64),
            (1, 5, 4, 2, F64),
            (3, 3, 2, 4, F32),
            (2, 6, 8, 8, F64),
            (1, 1, 2, 3, F64),  # one position: it can only attend to itself
            (2, 7, 5, 3, F32),
        ]
    ],
    sizes=lambda dA, Q, K, V: [],
    mistakes=[
        Mistake(
            "wrong_values",
            _no_mask,
            "{output}: the causal mask is missing. Position t may only attend to positions up to"
            " t, so the scores above the diagonal are -inf before the softmax and their"
            " probabilities are 0.",
        ),
        Mistake(
            "scale",
            _with(lambda dA, Q, K, V, P: softmax_backward(dA @ _T(V), P)),
            "{output} is sqrt(d) times too large: the scores are divided by sqrt(d) on the way"
            " forward, so their gradient is divided by sqrt(d) on the way back to Q and K.",
        ),
        Mistake(
            "scale",
            _no_scale_anywhere,
            "{output}: the scores were never divided by sqrt(d), forward or backward (d is the last"
            " axis of Q and K).",
        ),
        Mistake(
            "wrong_derivative",
            _with(lambda dA, Q, K, V, P: _diagonal_only(dA @ _T(V), P) / _SQRT_D(Q)),
            "{output}: the softmax's Jacobian was reduced to its diagonal; each probability of a"
            " row depends on every score of the row, and those off-diagonal terms are missing.",
        ),
        Mistake(
            "transposed",
            _with(
                lambda dA, Q, K, V, P: softmax_backward(dA @ _T(V), P) / _SQRT_D(Q),
                dK_of=lambda dS, Q: dS @ Q,
            ),
            "{output}: in S = Q K^T the keys enter transposed, so their gradient comes from the"
            " scores' gradient transposed (for each sequence).",
        ),
        Mistake(
            "transposed",
            _with(
                lambda dA, Q, K, V, P: softmax_backward(dA @ _T(V), P) / _SQRT_D(Q),
                dV_of=lambda P, dA: P @ dA,
            ),
            "{output}: Y = P V, so V's gradient is built from P transposed (each sequence's P is"
            " T x T and not symmetric).",
        ),
    ],
)


EXERCISES = [EMBEDDING_BACKWARD, SOFTMAX_BACKWARD, ATTENTION_BACKWARD]
