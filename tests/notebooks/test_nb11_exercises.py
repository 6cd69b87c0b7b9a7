"""The exercises of notebook 11 (embedding_backward, softmax_backward, attention_backward): the
reference passes, the released template is not implemented, correct alternatives pass, every
diagnosed mistake gets its diagnosis, and the references equal finite differences."""

import numpy as np
import pytest

from bplearn import sequence
from bplearn.exercises import check, exercise_ids
from bplearn.exercises.nb11_language_model import (
    attention_backward,
    causal_attention,
    embedding_backward,
    softmax_backward,
)

IDS = ("embedding_backward", "softmax_backward", "attention_backward")
REFERENCES = {
    "embedding_backward": embedding_backward,
    "softmax_backward": softmax_backward,
    "attention_backward": attention_backward,
}


def template(*args):
    # YOUR CODE HERE
    raise NotImplementedError()


def test_the_exercises_are_registered():
    assert set(IDS) <= set(exercise_ids())


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_reference_passes(exercise_id):
    result = check(exercise_id, REFERENCES[exercise_id], show_result=False)
    assert result.passed, result.message


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_template_is_not_implemented(exercise_id):
    result = check(exercise_id, template, show_result=False)
    assert (result.passed, result.diagnosis) == (False, "not_implemented")


def _numerical(f, A, h=1e-6):
    grad = np.zeros_like(A)
    for i in np.ndindex(A.shape):
        old = A[i]
        A[i] = old + h
        up = f()
        A[i] = old - h
        down = f()
        A[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def test_the_attention_reference_equals_finite_differences():
    rng = np.random.default_rng(0)
    Q, K, V, dA = (rng.normal(size=(2, 4, 3)) for _ in range(4))
    dQ, dK, dV = attention_backward(dA, Q, K, V)
    for M, dM in ((Q, dQ), (K, dK), (V, dV)):
        num = _numerical(lambda: float((causal_attention(Q, K, V)[0] * dA).sum()), M)
        assert np.abs(num - dM).max() / np.abs(num).max() < 1e-7


def test_the_embedding_reference_equals_finite_differences_with_repeated_tokens():
    rng = np.random.default_rng(1)
    E, ids = rng.normal(size=(4, 3)), np.array([[0, 2, 0], [2, 2, 1]])
    dX = rng.normal(size=(2, 3, 3))
    num = _numerical(lambda: float((E[ids] * dX).sum()), E)
    assert np.abs(num - embedding_backward(dX, ids, 4)).max() < 1e-8
    assert np.abs(num[3]).max() == 0  # token 3 is never used


def _one_hot_embedding(dX, ids, n_tokens):  # the lookup as a product with a one-hot matrix
    onehot = np.eye(n_tokens, dtype=dX.dtype)[ids.ravel()]
    return onehot.T @ dX.reshape(-1, dX.shape[-1])


def _loop_embedding(dX, ids, n_tokens):
    dE = np.zeros((n_tokens, dX.shape[-1]), dtype=dX.dtype)
    for n in range(ids.shape[0]):
        for t in range(ids.shape[1]):
            dE[ids[n, t]] += dX[n, t]
    return dE


def _softmax_jacobian(dP, P):  # the full Jacobian, row by row
    dS = np.zeros_like(P)
    for i in np.ndindex(P.shape[:-1]):
        p = P[i]
        dS[i] = (np.diag(p) - np.outer(p, p)) @ dP[i]
    return dS


def _attention_einsum(dA, Q, K, V):  # P from bplearn's forward pass, which the page allows
    d = Q.shape[-1]
    _, P = sequence.attention_forward(Q, K, V)
    dP = np.einsum("ntv,nsv->nts", dA, V)
    dS = P * (dP - np.einsum("nts,nts->nt", dP, P)[..., None]) / np.sqrt(d)
    return (
        np.einsum("nts,nsd->ntd", dS, K),
        np.einsum("nts,ntd->nsd", dS, Q),
        np.einsum("nts,ntv->nsv", P, dA),
    )


RIGHT = [
    ("embedding_backward", _one_hot_embedding),
    ("embedding_backward", _loop_embedding),
    ("softmax_backward", _softmax_jacobian),
    ("attention_backward", _attention_einsum),
]


@pytest.mark.parametrize(
    "exercise_id, fn", RIGHT, ids=[f"{e}-{i}" for i, (e, _) in enumerate(RIGHT)]
)
def test_a_correct_alternative_passes(exercise_id, fn):
    result = check(exercise_id, fn, show_result=False)
    assert result.passed, f"{result.diagnosis}: {result.message}"


def _buffered(dX, ids, n_tokens):
    dE = np.zeros((n_tokens, dX.shape[-1]), dtype=dX.dtype)
    dE[ids] += dX
    return dE


def _attention(dS_of, dK_T=True, dV_T=True, mask=True, scale=True):
    def answer(dA, Q, K, V):
        _, P = causal_attention(Q, K, V, mask=mask, scale=scale)
        dS = dS_of(dA @ np.swapaxes(V, 1, 2), P) / (np.sqrt(Q.shape[-1]) if scale else 1)
        dK = np.swapaxes(dS, 1, 2) @ Q if dK_T else dS @ Q
        dV = np.swapaxes(P, 1, 2) @ dA if dV_T else P @ dA
        return dS @ K, dK, dV

    return answer


WRONG = [
    ("embedding_backward", _buffered, "wrong_values", "only one of its occurrences"),
    (
        "embedding_backward",
        lambda dX, ids, n: (
            _loop_embedding(dX, ids, n)
            / np.maximum(np.bincount(ids.ravel(), minlength=n), 1)[:, None]
        ),
        "wrong_values",
        "average",
    ),
    ("softmax_backward", lambda dP, P: P * (1 - P) * dP, "wrong_derivative", "diagonal"),
    ("softmax_backward", lambda dP, P: dP - (dP * P).sum(-1, keepdims=True), "wrong_values", "exp"),
    (
        "softmax_backward",
        lambda dP, P: P * (dP - dP.sum(-1, keepdims=True)),
        "wrong_values",
        "weigh",
    ),
    (
        "softmax_backward",
        lambda dP, P: P * (dP - (dP * P).sum(axis=-2, keepdims=True)),
        "wrong_axis",
        "last axis",
    ),
    ("attention_backward", _attention(softmax_backward, mask=False), "wrong_values", "mask"),
    (
        "attention_backward",
        lambda dA, Q, K, V: tuple(
            g * s
            for g, s in zip(attention_backward(dA, Q, K, V), (np.sqrt(Q.shape[-1]),) * 2 + (1,))
        ),
        "scale",
        "sqrt(d)",
    ),
    ("attention_backward", _attention(softmax_backward, scale=False), "scale", "sqrt(d)"),
    (
        "attention_backward",
        _attention(lambda dP, P: P * (1 - P) * dP),
        "wrong_derivative",
        "diagonal",
    ),
    ("attention_backward", _attention(softmax_backward, dK_T=False), "transposed", "keys"),
    ("attention_backward", _attention(softmax_backward, dV_T=False), "transposed", "P transposed"),
]


def test_an_answer_that_calls_bplearns_attention_backward_scores_nothing():
    def wrapper(dA, Q, K, V):
        P = sequence.attention_forward(Q, K, V)[1]
        return sequence.attention_backward(dA, Q, K, V, P)

    result = check("attention_backward", wrapper, show_result=False)
    assert result.diagnosis == "uses_reference" and result.points == 0
    assert "bplearn.sequence.attention_backward" in result.message


@pytest.mark.parametrize(
    "exercise_id, fn, diagnosis, words",
    WRONG,
    ids=[f"{e}-{d}-{i}" for i, (e, _, d, _) in enumerate(WRONG)],
)
@pytest.mark.usefixtures("unwatched")  # the mistakes are built from the exercise module's helpers
def test_each_common_mistake_gets_its_diagnosis(exercise_id, fn, diagnosis, words):
    result = check(exercise_id, fn, show_result=False)
    assert not result.passed
    assert result.diagnosis == diagnosis, result.message
    assert words in result.message
