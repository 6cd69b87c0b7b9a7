"""Residual and LayerNorm: their gradients agree with finite differences, and bad input gives clear
errors.

Gradients are checked as in test_gradients.py: d/dx of sum(G * (out(x) - out(x0))) by centred
differences, in float64, on shapes drawn by hypothesis.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bplearn
from bplearn import LayerNorm, Linear, Residual
from bplearn import layers as L
from bplearn.gradcheck import numerical_gradient

GOOD = 1e-7
SETTINGS = settings(max_examples=40, deadline=None)


def arrays(shape, lo=-3.0, hi=3.0):
    return hnp.arrays(
        np.float64, shape, elements=st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    )


def norm_rel_error(a, b):
    """||a - b|| / (||a|| + ||b||), over whole arrays.  Finite differences are only good to ~1e-11
    absolutely, so the denominator is at least 1e-2: a gradient that is exactly 0 (e.g. LayerNorm's
    dX when G is constant along a row) must not fail against a numerical 1e-10."""
    return float(np.linalg.norm(a - b) / max(1e-2, np.linalg.norm(a) + np.linalg.norm(b)))


def numeric(fn, x, G):
    """d/dx of sum(G * (fn(x) - fn(x0))) by centred differences (x is nudged in place and
    restored)."""
    out0 = np.array(fn(x))
    return numerical_gradient(lambda _: np.sum(G * (fn(x) - out0)), x)


@st.composite
def layer_norm_case(draw):
    """X (N, D) whose rows are spread out (std > 0.1), gamma, beta (D,) and an upstream gradient G
    (N, D)."""
    N, D = draw(st.integers(1, 5)), draw(st.integers(2, 6))
    X = draw(arrays((N, D)))
    assume(
        X.std(axis=1).min() > 0.1
    )  # a row of (nearly) equal entries is divided by ~sqrt(eps): too curved for h
    return X, draw(arrays((D,), -2, 2)), draw(arrays((D,), -2, 2)), draw(arrays((N, D), -2, 2))


# ---------------------------------------------------------------- LayerNorm


@SETTINGS
@given(layer_norm_case())
def test_layer_norm_backward_function_matches_finite_differences(case):
    X, gamma, beta, G = case
    dX, dgamma, dbeta = L.layer_norm_backward(G, X, gamma)
    assert (dX.shape, dgamma.shape, dbeta.shape) == (X.shape, gamma.shape, beta.shape)
    assert norm_rel_error(dX, numeric(lambda v: L.layer_norm(v, gamma, beta), X.copy(), G)) < GOOD
    assert (
        norm_rel_error(dgamma, numeric(lambda v: L.layer_norm(X, v, beta), gamma.copy(), G)) < GOOD
    )
    assert (
        norm_rel_error(dbeta, numeric(lambda v: L.layer_norm(X, gamma, v), beta.copy(), G)) < GOOD
    )


@SETTINGS
@given(layer_norm_case())
def test_layer_norm_layer_backward_matches_finite_differences_and_accumulates(case):
    X, gamma, beta, G = case
    layer = LayerNorm(X.shape[1])
    layer.gamma.value, layer.beta.value = gamma, beta
    expected_dX = numeric(layer.forward, X.copy(), G)
    expected_dgamma = numeric(lambda v: layer.forward(X), layer.gamma.value, G)
    layer.forward(X)
    assert norm_rel_error(layer.backward(G), expected_dX) < GOOD
    assert norm_rel_error(layer.gamma.grad, expected_dgamma) < GOOD
    np.testing.assert_allclose(layer.beta.grad, G.sum(axis=0), rtol=1e-14)
    layer.backward(G)
    np.testing.assert_allclose(layer.beta.grad, 2 * G.sum(axis=0), rtol=1e-14)


@SETTINGS
@given(
    X=hnp.arrays(
        np.float64, st.tuples(st.integers(1, 5), st.integers(2, 6)), elements=st.floats(-5, 5)
    ),
    eps=st.sampled_from([1e-5, 1e-2, 1.0]),
)
def test_layer_norm_uses_the_biased_variance_with_eps_inside_the_square_root(X, eps):
    # With gamma = 1 and beta = 0 each output row has mean 0 and variance var / (var + eps), var the
    # biased one.
    Y = LayerNorm(X.shape[1], eps=eps).forward(X)
    var = X.var(axis=1)  # divides by D
    np.testing.assert_allclose(Y.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(Y.var(axis=1), var / (var + eps), rtol=1e-9, atol=1e-12)


def test_layer_norm_parameters_are_gamma_ones_then_beta_zeros_in_its_dtype():
    layer = LayerNorm(4, dtype=np.float32)
    assert layer.parameters() == [layer.gamma, layer.beta]
    np.testing.assert_array_equal(layer.gamma.value, np.ones(4, np.float32))
    np.testing.assert_array_equal(layer.beta.value, np.zeros(4, np.float32))
    assert layer.forward(np.ones((2, 4))).dtype == np.float32


@pytest.mark.parametrize(
    "n_features, error, match",
    [
        (0, ValueError, "n_features must be a positive integer, got 0"),
        (2.5, TypeError, "n_features must be a positive integer, got float 2.5"),
        (True, TypeError, "n_features must be a positive integer, got bool True"),
    ],
)
def test_layer_norm_rejects_a_feature_count_that_is_not_a_positive_integer(
    n_features, error, match
):
    with pytest.raises(error, match=match):
        LayerNorm(n_features)


def test_layer_norm_rejects_a_non_positive_eps():
    with pytest.raises(ValueError, match="eps must be a positive number, got 0"):
        LayerNorm(3, eps=0)


def test_layer_norm_names_the_expected_and_the_given_shape():
    with pytest.raises(
        ValueError,
        match=r"LayerNorm\(3\) expects X of shape \(N, 3\), got an array of shape \(2, 4\)",
    ):
        LayerNorm(3).forward(np.zeros((2, 4)))


def test_layer_norm_backward_before_forward_says_to_run_forward_first():
    with pytest.raises(ValueError, match="backward was called before forward"):
        LayerNorm(3).backward(np.zeros((2, 3)))


# ---------------------------------------------------------------- Residual


@st.composite
def residual_case(draw):
    """A block Residual(Linear(D, H), Tanh, Linear(H, D)) with random biases, X (N, D) and G (N,
    D)."""
    N, D, H, seed = (
        draw(st.integers(1, 4)),
        draw(st.integers(1, 4)),
        draw(st.integers(1, 5)),
        draw(st.integers(0, 99)),
    )
    rng = np.random.default_rng(seed)
    block = Residual(Linear(D, H, rng=rng), L.Tanh(), Linear(H, D, rng=rng))
    for p in block.parameters():
        p.value = rng.normal(size=p.shape)
    return block, draw(arrays((N, D))), draw(arrays((N, D), -2, 2))


@SETTINGS
@given(residual_case())
def test_residual_backward_matches_finite_differences_for_the_input_and_every_parameter(case):
    block, X, G = case
    expected_dX = numeric(block.forward, X.copy(), G)
    expected = [numeric(lambda _: block.forward(X), p.value, G) for p in block.parameters()]
    block.forward(X)
    assert norm_rel_error(block.backward(G), expected_dX) < GOOD
    for (name, p), num in zip(block.named_parameters(), expected):
        assert norm_rel_error(p.grad, num) < GOOD, name


def test_residual_adds_its_input_to_f_of_its_input_and_the_skip_adds_to_the_gradient():
    rng = np.random.default_rng(0)
    inner = Linear(3, 3, seed=1)
    X, G = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    block = Residual(inner)
    np.testing.assert_allclose(block.forward(X), X + X @ inner.W.value + inner.b.value, rtol=1e-14)
    np.testing.assert_allclose(block.backward(G), G + G @ inner.W.value.T, rtol=1e-14)


def test_residual_parameters_are_its_inner_layers_parameters_named_by_inner_position():
    first, second = Linear(2, 3, seed=0), Linear(3, 2, seed=1)
    block = Residual(first, L.ReLU(), second)
    assert block.parameters() == [first.W, first.b, second.W, second.b]
    assert [name for name, _ in block.named_parameters()] == ["0.W", "0.b", "2.W", "2.b"]
    net = bplearn.Sequential(Linear(2, 2, seed=2), block)
    assert [name for name, _ in net.named_parameters()] == [
        "0.W",
        "0.b",
        "1.0.W",
        "1.0.b",
        "1.2.W",
        "1.2.b",
    ]


def test_residual_that_changes_the_width_names_the_shapes():
    with pytest.raises(ValueError, match=r"F\(X\) has shape \(5, 2\) but X has shape \(5, 3\)"):
        Residual(Linear(3, 4), L.ReLU(), Linear(4, 2)).forward(np.zeros((5, 3)))


def test_residual_refuses_no_layers_and_things_that_are_not_layers():
    with pytest.raises(ValueError, match="at least one layer"):
        Residual()
    with pytest.raises(TypeError, match="layer 1 must be a bplearn layer, got a ufunc"):
        Residual(Linear(2, 2), np.tanh)


def test_residual_backward_before_forward_says_to_run_forward_first():
    with pytest.raises(
        ValueError, match=r"Residual\(Linear\(2→2\)\).backward was called before forward"
    ):
        Residual(Linear(2, 2)).backward(np.zeros((1, 2)))


# ---------------------------------------------------------------- in a network: Sequential,
# gradcheck, hooks, fit


def deep_net(seed=0, n_in=3):
    """Linear, two residual blocks (one with a LayerNorm inside), a LayerNorm, and an output
    Linear."""
    rng = np.random.default_rng(seed)
    net = bplearn.Sequential(
        Linear(n_in, 6, rng=rng),
        L.Tanh(),
        Residual(Linear(6, 6, rng=rng), L.Tanh()),
        Residual(LayerNorm(6), Linear(6, 6, rng=rng), L.Tanh(), Linear(6, 6, rng=rng)),
        LayerNorm(6),
        Linear(6, 2, rng=rng),
    )
    for p in net.parameters():  # move gamma, beta and the biases away from their starting values
        p.value = p.value + rng.normal(scale=0.3, size=p.shape)
    return net


def test_gradcheck_passes_for_a_network_with_residual_blocks_and_layer_norm():
    rng = np.random.default_rng(1)
    report = bplearn.gradcheck(
        deep_net(), bplearn.CrossEntropyLoss(), rng.normal(size=(7, 3)), rng.integers(0, 2, size=7)
    )
    assert report.passed and report.max_rel_error < GOOD, str(report)
    assert [r["name"] for r in report.rows] == [
        "0.W",
        "0.b",
        "2.0.W",
        "2.0.b",
        "3.0.gamma",
        "3.0.beta",
        "3.1.W",
        "3.1.b",
        "3.3.W",
        "3.3.b",
        "4.gamma",
        "4.beta",
        "5.W",
        "5.b",
    ]


def test_hooks_see_one_event_per_block_with_the_gradients_of_its_inner_parameters():
    net = deep_net()
    rng = np.random.default_rng(2)
    events = []
    net.add_hook(events.append)
    bplearn.train_step(
        net,
        bplearn.CrossEntropyLoss(),
        bplearn.SGD(net.parameters(), lr=0.1),
        rng.normal(size=(5, 3)),
        rng.integers(0, 2, size=5),
    )
    forward = [e for e in events if e.stage == "forward"]
    assert [e.layer for e in forward] == net.layers
    backward = {e.index: e for e in events if e.stage == "backward"}
    assert set(backward[2].data) == {"grad_output", "grad_input", "d0.W", "d0.b"}
    assert set(backward[4].data) == {"grad_output", "grad_input", "dgamma", "dbeta"}
    block = net.layers[3]
    np.testing.assert_array_equal(backward[3].data["d3.W"], block.layers[3].W.grad)


def test_fit_trains_a_network_with_residual_blocks_and_layer_norm():
    X, y = bplearn.data.spirals(n=120, seed=0)
    net = deep_net(seed=3, n_in=2)
    rec = bplearn.Recorder()
    history = bplearn.fit(
        net,
        bplearn.CrossEntropyLoss(),
        bplearn.Adam(net.parameters(), lr=0.02),
        X,
        y,
        epochs=30,
        batch_size=30,
        progress=False,
        hooks=[rec],
    )
    assert history.epoch_loss[-1] < 0.6 * history.epoch_loss[0]
    assert all(len(v) == 120 for v in rec.series("act_std").values())


def test_recorder_gives_a_residual_block_one_grad_norm_over_all_its_weight_matrices():
    net = deep_net()
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6)
    rec = bplearn.probe(net, bplearn.CrossEntropyLoss(), X, y)
    block = net.layers[3]
    inner_W = [block.layers[1].W.grad, block.layers[3].W.grad]
    grad_norm = rec.series("grad_norm")
    assert list(grad_norm) == [
        "0: Linear(3→6)",
        f"2: {net.layers[2].name}",
        f"3: {block.name}",
        "5: Linear(6→2)",
    ]
    assert grad_norm[f"3: {block.name}"][0] == pytest.approx(
        np.sqrt(sum(np.sum(g**2) for g in inner_W)), rel=1e-12
    )
    assert set(rec.last_grads) == {0, 2, 3, 5} and rec.last_grads[3].shape == (6, 6)
    assert (
        set(rec.series("act_std"))
        == set(rec.series("saturation"))
        == {"1: Tanh", "4: LayerNorm(6)"}
    )
