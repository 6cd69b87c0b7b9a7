"""Sequences: embedding and causal attention agree with finite differences (float64, relative error
below 1e-7) on shapes drawn by hypothesis, the causal mask hides the future, and a token used twice
gets both gradients."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bplearn import sequence as S
from bplearn.gradcheck import numerical_gradient, rel_error

GOOD = 1e-7
SETTINGS = settings(max_examples=25, deadline=None)


def numeric_vjp(fn, x, G):
    """d/dx of sum(G * (fn(x) - fn(x0))) by centred differences: what a backward given G returns."""
    out0 = np.array(fn(x))
    return numerical_gradient(lambda v: np.sum(G * (fn(v) - out0)), x.copy())


@st.composite
def qkv(draw):
    """Q, K, V (N, H, T, d), an upstream gradient dA of the same shape, and a seed-drawn scale."""
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 5)))
    shape += (draw(st.integers(1, 4)),)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    return [rng.standard_normal(shape) for _ in range(4)]


@given(qkv())
@SETTINGS
def test_attention_backward_equals_finite_differences_for_q_k_and_v(arrays):
    Q, K, V, dA = arrays
    A, P = S.attention_forward(Q, K, V)
    dQ, dK, dV = S.attention_backward(dA, Q, K, V, P)
    assert rel_error(dQ, numeric_vjp(lambda q: S.attention_forward(q, K, V)[0], Q, dA)) < GOOD
    assert rel_error(dK, numeric_vjp(lambda k: S.attention_forward(Q, k, V)[0], K, dA)) < GOOD
    assert rel_error(dV, numeric_vjp(lambda v: S.attention_forward(Q, K, v)[0], V, dA)) < GOOD


def test_attention_weights_are_zero_on_the_future_and_rows_sum_to_one():
    rng = np.random.default_rng(0)
    Q, K, V = (rng.standard_normal((2, 3, 5, 4)) for _ in range(3))
    A, P = S.attention_forward(Q, K, V)
    assert np.all(np.triu(np.ones((5, 5)), k=1)[None, None] * P == 0)
    np.testing.assert_allclose(P.sum(axis=-1), 1.0)
    V_future = V.copy()
    V_future[..., 3:, :] += 100.0  # what comes after position 2 cannot change positions 0..2
    np.testing.assert_array_equal(S.attention_forward(Q, K, V_future)[0][..., :3, :], A[..., :3, :])


def test_attention_scales_the_scores_by_the_square_root_of_the_head_width():
    Q = np.ones((1, 2, 4))  # T = 2 positions, d = 4
    K = np.array([[[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]])
    _, P = S.attention_forward(Q, K, np.zeros((1, 2, 4)))  # row 1: scores 0 and 4 / sqrt(4) = 2
    np.testing.assert_allclose(P[0, 1], np.exp([0.0, 2.0]) / np.exp([0.0, 2.0]).sum())


@given(st.integers(1, 3), st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**16))
@SETTINGS
def test_embedding_backward_equals_finite_differences(N, T, D, seed):
    rng = np.random.default_rng(seed)
    V = 4  # few tokens, so that most draws use one several times
    ids, E, dX = (
        rng.integers(0, V, (N, T)),
        rng.standard_normal((V, D)),
        rng.standard_normal((N, T, D)),
    )
    dE = S.embedding_backward(dX, ids, V)
    assert rel_error(dE, numeric_vjp(lambda e: S.embedding_forward(ids, e), E, dX)) < GOOD


def test_a_token_used_twice_gets_the_sum_of_both_gradients():
    ids = np.array([[2, 0, 2]])
    dX = np.array([[[1.0], [10.0], [100.0]]])
    np.testing.assert_array_equal(S.embedding_backward(dX, ids, 3), [[10.0], [0.0], [101.0]])
