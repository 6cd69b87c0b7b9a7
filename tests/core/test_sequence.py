"""Sequences: embedding and causal attention agree with finite differences (float64, relative error
of the whole gradient below 1e-7) on shapes drawn by hypothesis, the causal mask hides the future, and a token used twice
gets both gradients."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bplearn as bp
from bplearn import sequence as S
from bplearn.gradcheck import numerical_gradient

GOOD = 1e-7
SETTINGS = settings(max_examples=25, deadline=None)


def rel_error(a, b):
    """||a - b|| / (||a|| + ||b||), gradcheck's measure for a whole gradient: an entry near 0, where
    finite differences have no digits to spare, cannot fail a correct gradient."""
    return np.linalg.norm(a - b) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(b))


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


# ---------------------------------------------------------------- the layers, and a whole model


def language_model(V, D, T, n_heads, seed=0):
    """Embedding (with positions), an attention block and an MLP block with residual connections and
    LayerNorm, a final LayerNorm and a softmax over the next token: the course's model, small."""
    rng = np.random.default_rng(seed)
    return bp.Sequential(
        bp.Embedding(V, D, max_len=T, rng=rng),
        bp.Residual(bp.LayerNorm(D), bp.CausalSelfAttention(D, n_heads=n_heads, rng=rng)),
        bp.Residual(
            bp.LayerNorm(D), bp.Linear(D, 2 * D, rng=rng), bp.Tanh(), bp.Linear(2 * D, D, rng=rng)
        ),
        bp.LayerNorm(D),
        bp.Linear(D, V, rng=rng),
    )


@given(
    st.integers(1, 3),
    st.integers(1, 5),
    st.sampled_from([(4, 1), (4, 2), (6, 3)]),
    st.integers(0, 99),
)
@settings(max_examples=8, deadline=None)
def test_every_gradient_of_a_whole_language_model_equals_finite_differences(N, T, dims, seed):
    (D, n_heads), V = dims, 5
    net = language_model(V, D, T, n_heads, seed)
    rng = np.random.default_rng(seed)
    ids, y = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    report = bp.gradcheck(net, bp.CrossEntropyLoss(), ids, y, max_entries=40, seed=seed)
    assert report.max_rel_error < GOOD, str(report)
    assert [row["name"] for row in report.rows][:3] == ["0.E", "0.E_pos", "1.0.gamma"]
    assert "1.1.W_Q" in [row["name"] for row in report.rows]


def test_attention_has_no_key_bias_because_softmax_ignores_it():
    rng = np.random.default_rng(0)
    layer = bp.CausalSelfAttention(4, n_heads=2, rng=rng)
    X = rng.standard_normal((2, 3, 4))
    Y = layer.forward(X)
    b_K = layer.projections[1].b  # held at 0 by the layer, which does not list it
    b_K.value = rng.standard_normal(4)
    np.testing.assert_allclose(layer.forward(X), Y, rtol=1e-12, atol=1e-12)
    layer.backward(rng.standard_normal(Y.shape))
    assert np.abs(b_K.grad).max() < 1e-12 and "b_K" not in dict(layer.named_parameters())


def test_the_attention_layer_equals_its_maths_written_out_for_two_heads():
    rng = np.random.default_rng(0)
    layer = bp.CausalSelfAttention(4, n_heads=2, rng=rng)
    X = rng.standard_normal((2, 3, 4))
    Wq, bq, Wk, Wv, bv, Wo, bo = (p.value for p in layer.parameters())  # no b_K
    Q, K, V = X @ Wq + bq, X @ Wk, X @ Wv + bv
    A = np.zeros_like(X)
    for h in (0, 1):  # head h reads columns 2h, 2h + 1
        cols = slice(2 * h, 2 * h + 2)
        for n in range(2):
            for t in range(3):
                s = Q[n, t, cols] @ K[n, : t + 1, cols].T / np.sqrt(2)
                w = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
                A[n, t, cols] = w @ V[n, : t + 1, cols]
    np.testing.assert_allclose(layer.forward(X), A @ Wo + bo, rtol=1e-12, atol=1e-12)


def test_sequences_flow_through_linear_layer_norm_activations_and_residual():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 3, 4))
    block = bp.Residual(bp.LayerNorm(4), bp.Linear(4, 4, seed=0), bp.ReLU())
    rows = bp.Residual(bp.LayerNorm(4), bp.Linear(4, 4, seed=0), bp.ReLU())
    Y = block.forward(X)
    np.testing.assert_allclose(Y.reshape(6, 4), rows.forward(X.reshape(6, 4)))
    dY = rng.standard_normal(Y.shape)
    np.testing.assert_allclose(block.backward(dY).reshape(6, 4), rows.backward(dY.reshape(6, 4)))
    for p, q in zip(block.parameters(), rows.parameters()):
        np.testing.assert_allclose(p.grad, q.grad)


def test_cross_entropy_over_every_position_is_the_mean_over_the_n_times_t_rows():
    rng = np.random.default_rng(0)
    Z, y = rng.standard_normal((2, 3, 5)), rng.integers(0, 5, (2, 3))
    loss, flat = bp.CrossEntropyLoss(), bp.CrossEntropyLoss()
    assert loss.forward(Z, y) == pytest.approx(flat.forward(Z.reshape(6, 5), y.reshape(6)))
    np.testing.assert_allclose(loss.backward(), flat.backward().reshape(2, 3, 5))


def test_hooks_recorder_and_steps_see_a_language_model_step():
    net = language_model(V=5, D=4, T=3, n_heads=1)
    ids = np.array([[0, 1, 2], [2, 3, 4]])
    opt = bp.Adam(net.parameters(), lr=1e-2)
    events = list(bp.steps(net, bp.CrossEntropyLoss(), opt, ids, ids))
    assert [e.stage for e in events][:6] == ["forward"] * 5 + ["loss"]
    first_backward = [e for e in events if e.stage == "backward"][-1]
    assert first_backward.index == 0 and first_backward.data["grad_input"] is None
    assert first_backward.data["dE"].shape == (5, 4) and "grad_input=None" in repr(first_backward)
    rec = bp.Recorder()
    with net.add_hook(rec):
        bp.train_step(net, bp.CrossEntropyLoss(), opt, ids, ids)
    norms = rec.series("grad_norm")
    assert list(norms)[:2] == [
        "0: Embedding(5→4)",
        "1: Residual(LayerNorm(4), CausalSelfAttention(4, heads=1))",
    ]
    assert all(np.isfinite(v).all() and (v > 0).all() for v in norms.values())


def test_a_token_id_out_of_range_or_of_the_wrong_type_is_named():
    layer = bp.Embedding(5, 4)
    with pytest.raises(
        ValueError, match=r"Embedding\(5→4\): ids must be in 0..4, got values from 0 to 7"
    ):
        layer.forward(np.array([[0, 7]]))
    with pytest.raises(
        TypeError,
        match=r"integer token ids of shape \(N, T\), got an array of shape \(1, 2\) and dtype float64",
    ):
        layer.forward(np.array([[0.0, 1.0]]))
    with pytest.raises(TypeError, match=r"of shape \(N, T\), got an array of shape \(3,\)"):
        layer.forward(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="T = 4 > max_len = 3"):
        bp.Embedding(5, 4, max_len=3).forward(np.zeros((1, 4), dtype=int))


def test_attention_refuses_a_batch_without_positions_and_heads_that_do_not_divide_dim():
    with pytest.raises(
        ValueError,
        match=r"CausalSelfAttention\(4, heads=1\) expects X \(N, T, 4\), got an array of shape \(2, 4\)",
    ):
        bp.CausalSelfAttention(4).forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="dim 6 is not a multiple of n_heads 4"):
        bp.CausalSelfAttention(6, n_heads=4)
    with pytest.raises(
        ValueError, match=r"target \(labels y\) must have shape \(N, T\) = \(2, 3\)"
    ):
        bp.CrossEntropyLoss().forward(np.zeros((2, 3, 5)), np.zeros((2, 4), dtype=int))
