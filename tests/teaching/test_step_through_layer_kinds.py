"""The step-through writes each layer kind's own equations and arrays, taken from the layer's
Description (issue 21): Linear, every activation, LayerNorm and a Residual block."""

import html
import re

import numpy as np
import pytest

import bplearn as bp
from bplearn import widgets


def _net_around(layer, width=4):
    """Linear(2→width), the layer, Linear(width→2): the layer is layer 1."""
    return bp.Sequential(bp.Linear(2, width, seed=0), layer, bp.Linear(width, 2, seed=1))


def _stage(st, stage, index):
    """Go to the event of ``stage`` for layer ``index``; (equation text, array HTML)."""
    k = [i for i, e in enumerate(st.events) if e.stage == stage and e.index == index][0]
    st.go(k)
    return html.unescape(re.sub("<[^>]+>", "", st.equation.value)), st.arrays.value


def _symbols(arrays_html):
    """The symbols shown, in order (each array is introduced by <b>symbol</b>)."""
    return [part.split("</b>")[0] for part in arrays_html.split("<b>")[1:]]


def _step_through(net):
    X, y = bp.data.xor(n=6, noise=0.1, seed=0)
    return widgets.step_through(net, X, y, lr=0.1)


@pytest.mark.parametrize(
    "layer, f",
    [
        (bp.Sigmoid(), "sigmoid"),
        (bp.Tanh(), "tanh"),
        (bp.ReLU(), "relu"),
        (bp.LeakyReLU(0.1), "leaky_relu"),
        (bp.Identity(), "identity"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_an_activation_shows_a_equals_f_of_z_and_dz_equals_da_times_f_prime(layer, f):
    st = _step_through(_net_around(layer))
    equation, arrays = _stage(st, "forward", 1)
    assert f"A = f(Z),  f = {f}" in equation and _symbols(arrays) == ["Z", "A"]
    equation, arrays = _stage(st, "backward", 1)
    assert f"dZ = dA * f′(Z),  f = {f}" in equation
    assert _symbols(arrays) == ["dA", "Z", "dZ"] and st.error.value == ""


def test_a_linear_layer_shows_z_equals_x_w_plus_b_and_its_three_gradients():
    st = _step_through(_net_around(bp.Tanh()))
    equation, arrays = _stage(st, "forward", 2)
    assert "Z = X @ W + b" in equation and "f(Z)" not in equation
    assert _symbols(arrays) == ["X", "W", "b", "Z"]
    equation, arrays = _stage(st, "backward", 2)
    for eq in ("dW = X.T @ dZ", "db = sum over the batch of dZ", "dX = dZ @ W.T"):
        assert eq in equation
    assert _symbols(arrays) == ["dZ", "X", "W", "b", "dW", "db", "dX"]
    assert "shape (4, 2)" in arrays and "shape (6, 4)" in arrays


def test_the_first_linear_layer_says_its_dx_was_not_computed():
    st = _step_through(_net_around(bp.Tanh()))
    _, arrays = _stage(st, "backward", 0)
    assert "<b>dX</b>: not computed" in arrays and st.error.value == ""


def test_layer_norm_shows_its_own_equations_and_gamma_and_beta():
    st = _step_through(_net_around(bp.LayerNorm(4)))
    equation, arrays = _stage(st, "forward", 1)
    assert equation.count("Y = gamma * X_hat + beta") == 1 and "f(Z)" not in equation
    assert _symbols(arrays) == ["X", "gamma", "beta", "Y"]
    equation, arrays = _stage(st, "backward", 1)
    assert "dgamma = sum over the batch of dY * X_hat" in equation
    assert "dX = (dX_hat − mean(dX_hat) − X_hat * mean(dX_hat * X_hat))" in equation
    assert _symbols(arrays) == ["dY", "X", "gamma", "beta", "dgamma", "dbeta", "dX"]


def test_a_residual_block_shows_y_equals_x_plus_f_and_the_equations_of_its_parts():
    block = bp.Residual(bp.LayerNorm(4), bp.Linear(4, 4, seed=2), bp.ReLU())
    st = _step_through(_net_around(block))
    equation, arrays = _stage(st, "forward", 1)
    assert equation.startswith("Y = X + F(X),  F = LayerNorm(4) → Linear(4→4) → ReLU")
    assert "A = f(Z),  f = residual" not in equation and "dA * f′(Z),  f = residual" not in equation
    lines = equation.split("\n")
    assert [line.split(":")[0].strip() for line in lines if line.strip().startswith("F[")] == [
        "F[0]",
        "F[1]",
        "F[2]",
    ]
    assert "F[1]: Z = X @ W + b" in equation and "F[2]: A = f(Z),  f = relu" in equation
    assert _symbols(arrays) == ["X", "0.gamma", "0.beta", "1.W", "1.b", "Y"]

    equation, arrays = _stage(st, "backward", 1)
    assert equation.startswith("dX = dY + (dF/dX)ᵀ dY")
    assert equation.index("F[2]: dZ = dA * f′(Z)") < equation.index("F[1]: dW = X.T @ dZ")
    assert equation.index("F[1]:") < equation.index("F[0]: dgamma")
    assert _symbols(arrays)[:2] == ["dY", "X"] and _symbols(arrays)[-1] == "dX"
    assert {"d1.W", "d1.b", "d0.gamma", "d0.beta"} <= set(_symbols(arrays))
    assert st.error.value == ""


def test_the_step_through_shows_the_gradient_the_backward_pass_computed():
    block = bp.Residual(bp.Linear(4, 4, seed=2), bp.Tanh())
    st = _step_through(_net_around(block))
    k = [i for i, e in enumerate(st.events) if e.stage == "backward" and e.index == 1][0]
    event = st.events[k]
    title, equation, arrays = widgets.describe_event(event, layer_input=np.zeros((6, 4)))
    shown = dict(arrays)
    np.testing.assert_array_equal(shown["d0.W"], event.data["d0.W"])
    np.testing.assert_array_equal(shown["dX"], event.data["grad_input"])
    assert title == "Backward, layer 1: Residual(Linear(4→4), Tanh)"


def test_a_layer_without_its_own_description_is_shown_by_name():
    class Doubler(bp.layers.Layer):
        def forward(self, X):
            self.out_shape = np.shape(X)
            return 2 * X

        def backward(self, dY):
            return 2 * dY

    st = _step_through(_net_around(Doubler()))
    equation, arrays = _stage(st, "forward", 1)
    assert "Y = Doubler(X)" in equation and _symbols(arrays) == ["X", "Y"]
    equation, arrays = _stage(st, "backward", 1)
    assert _symbols(arrays) == ["dY", "X", "dX"] and st.error.value == ""


def test_the_diagram_draws_a_residual_block_under_its_column_and_colours_every_linear():
    block = bp.Residual(bp.LayerNorm(4), bp.Linear(4, 4, seed=2), bp.ReLU())
    net = bp.Sequential(bp.Linear(2, 4, seed=0), bp.Tanh(), block, bp.Linear(4, 2, seed=1))
    st = _step_through(net)
    d = st.diagram
    assert d.sizes == [2, 4, 2] and d.linear == [0, 3]
    assert "Residual(LayerNorm(4), Linear(4→4), ReLU)" in d.acts[1]
    _stage(st, "forward", 2)  # the block acts on the hidden column
    box = d._highlight.get_bbox()
    assert box.x0 < d.x[1] < box.x1
