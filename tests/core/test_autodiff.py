"""bplearn.autodiff: every operation's VJP and JVP agree with finite differences (float64), for
shapes and broadcasts drawn by hypothesis; a node used twice gets the sum; every backward pass
starts from zero; the VJPs are exactly the layer backwards of bplearn.layers and bplearn.losses; the
engine stays outside the core.

A VJP is checked through the scalar L = sum(G * (out - out0)) for a fixed random G: its gradient
with respect to an input is exactly VJP(G).  (Subtracting the fixed out0 changes no gradient; it
keeps L near 0, so rounding in the sum does not swamp the finite differences.)
"""

import ast
import gc
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bplearn as bp
from bplearn import autodiff as ad
from bplearn import layers, losses
from bplearn.gradcheck import numerical_gradient

GOOD = 1e-7
SETTINGS = settings(max_examples=30, deadline=None)
MODULE = Path(ad.__file__)


def arrays(shape, lo=-2.0, hi=2.0):
    return hnp.arrays(
        np.float64, shape, elements=st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    )


def away_from_zero(shape, lo=1e-3, hi=3.0):
    return hnp.arrays(np.float64, shape, elements=st.one_of(st.floats(-hi, -lo), st.floats(lo, hi)))


def engine_gradients(op, inputs, G):
    """d/d(inputs) of sum(G * op(*inputs)) by the engine: one backward pass."""
    leaves = [ad.Node(x.copy()) for x in inputs]
    out = op(*leaves)
    ad.backward(ad.sum(ad.mul(G, out)))
    return [leaf.grad for leaf in leaves]


def numeric_gradients(fn, inputs, G):
    """The same by centred differences on the plain numpy function ``fn``."""
    out0 = np.asarray(fn(*inputs))
    grads = []
    for k, x in enumerate(inputs):

        def f(v, k=k):
            args = list(inputs)
            args[k] = v
            return float(np.sum(G * (np.asarray(fn(*args)) - out0)))

        grads.append(numerical_gradient(f, x.copy()))
    return grads


def distance(a, b):
    """||a - b|| / (||a|| + ||b||), whole arrays at once (as bplearn.gradcheck reports), so an entry
    that is almost 0, where finite differences have no digits to spare, cannot fail a right
    gradient."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def assert_good(got, expected):
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        assert distance(g, e) < GOOD


# ---------------------------------------------------------------- each operation, against finite
# differences


@st.composite
def broadcast_pair(draw):
    """(a, b, G): two arrays whose shapes broadcast together, and an upstream gradient of the
    result's shape."""
    shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
    )
    a = draw(arrays(shapes.input_shapes[0]))
    b = draw(arrays(shapes.input_shapes[1]))
    G = draw(arrays(shapes.result_shape))
    return a, b, G


@SETTINGS
@given(broadcast_pair())
def test_add_gradients_match_finite_differences_for_any_broadcast(abG):
    a, b, G = abG
    assert_good(engine_gradients(ad.add, [a, b], G), numeric_gradients(np.add, [a, b], G))


@SETTINGS
@given(broadcast_pair())
def test_mul_gradients_match_finite_differences_for_any_broadcast(abG):
    a, b, G = abG
    assert_good(engine_gradients(ad.mul, [a, b], G), numeric_gradients(np.multiply, [a, b], G))


@SETTINGS
@given(st.data())
def test_matmul_gradients_match_finite_differences(data):
    N, K, M = (data.draw(st.integers(1, 5)) for _ in range(3))
    A, B, G = data.draw(arrays((N, K))), data.draw(arrays((K, M))), data.draw(arrays((N, M)))
    assert_good(engine_gradients(ad.matmul, [A, B], G), numeric_gradients(np.matmul, [A, B], G))


ELEMENTWISE = {
    "tanh": (ad.tanh, np.tanh, arrays),
    "relu": (ad.relu, lambda z: np.maximum(z, 0), away_from_zero),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
@SETTINGS
@given(data=st.data())
def test_elementwise_gradients_match_finite_differences(name, data):
    op, fn, values = ELEMENTWISE[name]
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    Z, G = data.draw(values(shape)), data.draw(arrays(shape))
    assert_good(engine_gradients(op, [Z], G), numeric_gradients(fn, [Z], G))


@pytest.mark.parametrize("op, fn", [(ad.sum, np.sum), (ad.mean, np.mean)])
@SETTINGS
@given(data=st.data())
def test_reductions_match_finite_differences(op, fn, data):
    Z = data.draw(arrays(data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))))
    G = np.array(data.draw(st.floats(-2, 2)))
    assert_good(engine_gradients(op, [Z], G), numeric_gradients(fn, [Z], G))


@SETTINGS
@given(st.data())
def test_softmax_cross_entropy_matches_finite_differences(data):
    N, C = data.draw(st.integers(1, 6)), data.draw(st.integers(2, 5))
    Z = data.draw(arrays((N, C), -5.0, 5.0))
    y = np.array(data.draw(st.lists(st.integers(0, C - 1), min_size=N, max_size=N)))
    leaf = ad.Node(Z.copy())
    ad.backward(ad.softmax_cross_entropy(leaf, y))
    assert (
        distance(leaf.grad, numerical_gradient(lambda z: losses.cross_entropy_loss(z, y), Z.copy()))
        < GOOD
    )


def test_softmax_cross_entropy_is_stable_for_large_logits():
    Z = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]])
    y = np.array([0, 2])
    leaf = ad.Node(Z)
    L = ad.softmax_cross_entropy(leaf, y)
    ad.backward(L)
    assert np.isfinite(L.value) and np.all(np.isfinite(leaf.grad))
    assert L.value == pytest.approx(losses.cross_entropy_loss(Z, y))


# ---------------------------------------------------------------- the walk


def test_a_node_used_twice_gets_the_sum_of_the_gradients_of_both_uses():
    x = ad.Node(np.array([1.5, -2.0, 0.5]))
    ad.backward(ad.sum(x * x))  # d/dx sum(x^2) = 2x: x * (1) + (1) * x
    np.testing.assert_allclose(x.grad, 2 * x.value)
    u = ad.Node(np.array([[0.3, -1.2]]))
    ad.backward(ad.sum(u + ad.tanh(u)))  # 1 + (1 - tanh^2 u)
    np.testing.assert_allclose(u.grad, 2 - np.tanh(u.value) ** 2)


def test_a_node_reached_along_paths_of_different_lengths_gets_its_whole_gradient():
    x = ad.Node(np.array([0.4, -0.7]))
    u = ad.tanh(x)
    L = ad.sum(u + ad.tanh(ad.tanh(u)))
    ad.backward(L)
    f = lambda v: float(np.sum(np.tanh(v) + np.tanh(np.tanh(np.tanh(v)))))
    assert distance(x.grad, numerical_gradient(f, x.value.copy())) < GOOD


def test_a_second_backward_pass_gives_the_same_gradients_not_twice_them():
    rng = np.random.default_rng(0)
    W, b = ad.Node(rng.normal(size=(3, 2))), ad.Node(rng.normal(size=2))
    L = ad.softmax_cross_entropy(rng.normal(size=(4, 3)) @ W + b, np.array([0, 1, 1, 0]))
    ad.backward(L)
    first = [W.grad.copy(), b.grad.copy()]
    ad.backward(L)
    assert np.array_equal(W.grad, first[0]) and np.array_equal(b.grad, first[1])


def test_a_new_graph_sharing_the_parameters_starts_from_zero_gradients():
    rng = np.random.default_rng(1)
    W = ad.Node(rng.normal(size=(3, 2)))
    X1, X2 = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    ad.backward(ad.mean(ad.tanh(X1 @ W)))
    ad.backward(ad.mean(ad.tanh(X2 @ W)))
    W_alone = ad.Node(W.value.copy())
    ad.backward(ad.mean(ad.tanh(X2 @ W_alone)))
    np.testing.assert_array_equal(W.grad, W_alone.grad)


def test_a_vjps_gradient_becomes_the_parents_grad_as_it_comes_when_the_parent_is_used_once():
    sent = np.array([[0.25, -4.0]])
    x = ad.Node(np.array([[1.0, 2.0]]))
    out = ad.Node(x.value * 3, (x,), lambda dout: (sent,), "custom")
    ad.backward(out, np.ones((1, 2)))
    assert x.grad is sent  # kept, not added into an array of zeros


def test_a_node_used_twice_sums_into_a_new_array_and_leaves_what_others_hold_unchanged():
    u = ad.Node(np.array([0.5, -1.5]))
    s = u + u  # add's VJP sends the same dout to both operands, the very array s.grad holds
    L = ad.sum(s)
    ad.backward(L)
    np.testing.assert_array_equal(u.grad, [2.0, 2.0])
    np.testing.assert_array_equal(s.grad, [1.0, 1.0])  # not overwritten by the sum
    np.testing.assert_array_equal(L.grad, 1.0)


def chain(length):
    """x, then ``length`` operations each on the one before: tanh and + 0.1 in turn."""
    x = node = ad.Node(np.array([0.3, -0.2]))
    for k in range(length):
        node = ad.tanh(node) if k % 2 == 0 else node + 0.1
    return x, node


def test_topological_order_and_backward_handle_a_chain_of_5000_operations():
    x, root = chain(5000)  # a recursive walk stops at Python's recursion limit (1,000 frames)
    order = ad.topological_order(root)
    assert order[-1] is root and x in order
    assert len(order) == 5000 + 1 + 2500  # the nodes, x, and the 2,500 constants 0.1
    ad.backward(root)
    h, f = 1e-6, lambda v: float(np.sum(chain_value(v, 5000)))
    numeric = [(f(x.value + h * e) - f(x.value - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(x.grad, numeric, rtol=1e-5, atol=1e-12)


def chain_value(v, length):
    for k in range(length):
        v = np.tanh(v) if k % 2 == 0 else v + 0.1
    return v


def test_a_graph_is_freed_when_its_last_reference_goes_without_the_cycle_collector():
    gc.disable()
    try:
        x, root = chain(50)
        ad.backward(root)
        ad.topological_order(root)
        middle = weakref.ref(root.parents[0])
        del root
        assert middle() is None, "a reference cycle keeps the graph alive after backward"
    finally:
        gc.enable()


@st.composite
def random_graph(draw):
    """A random graph of 2 to 6 leaves and up to 12 operations, each on one or two earlier nodes."""
    nodes = [
        ad.Node(np.array(draw(st.floats(-1, 1))), name=f"leaf{i}")
        for i in range(draw(st.integers(2, 6)))
    ]
    for k in range(draw(st.integers(1, 12))):
        a = nodes[draw(st.integers(0, len(nodes) - 1))]
        b = nodes[draw(st.integers(0, len(nodes) - 1))]
        op = draw(st.sampled_from(["add", "mul", "tanh"]))
        out = ad.tanh(a) if op == "tanh" else getattr(ad, op)(a, b)
        out.name = f"n{k}"
        nodes.append(out)
    root = nodes[-1]
    for node in nodes[:-1]:  # every node feeds the root, some along several paths
        root = ad.add(root, node)
    return root, nodes


@settings(max_examples=60, deadline=None)
@given(random_graph())
def test_topological_order_lists_every_node_once_each_after_all_its_parents(graph):
    root, _ = graph
    order = ad.topological_order(root)
    assert len({id(n) for n in order}) == len(order)
    position = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is root
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node.parents)


@settings(max_examples=40, deadline=None)
@given(random_graph())
def test_backward_on_any_graph_matches_forward_mode_and_finite_differences(graph):
    root, nodes = graph
    leaves = [n for n in nodes if not n.parents]
    ad.backward(root)
    by_reverse = np.array([leaf.grad for leaf in leaves])

    def replay(values):
        """The same graph evaluated again on new leaf values, by the node's own operations."""
        memo = {id(leaf): v for leaf, v in zip(leaves, values)}

        def value(node):
            if id(node) not in memo:
                args = [value(p) for p in node.parents]
                memo[id(node)] = {
                    "add": lambda a, b: a + b,
                    "mul": lambda a, b: a * b,
                    "tanh": lambda a: ad.tanh(a) if isinstance(a, ad.Dual) else np.tanh(a),
                }[node.op](*args)
            return memo[id(node)]

        return value(root)

    start = [leaf.value for leaf in leaves]
    by_forward = np.array([g for g in ad.forward_mode_gradient(lambda *v: replay(v), start)])
    by_nudging = numerical_gradient(lambda v: float(replay(list(v))), np.array(start, dtype=float))
    assert distance(by_reverse, by_forward) < 1e-12
    assert distance(by_reverse, by_nudging) < GOOD


def test_backward_seeds_a_non_scalar_root_with_the_given_gradient():
    rng = np.random.default_rng(2)
    X, W = ad.Node(rng.normal(size=(4, 3))), ad.Node(rng.normal(size=(3, 2)))
    G = rng.normal(size=(4, 2))
    ad.backward(X @ W, G)
    np.testing.assert_allclose(W.grad, X.value.T @ G)
    np.testing.assert_allclose(X.grad, G @ W.value.T)


def test_a_vjp_returning_the_wrong_shape_names_the_operation_and_both_shapes():
    b = ad.Node(np.zeros(3))
    bad = ad.Node(np.zeros((4, 3)), (b,), lambda dout: (dout,), "bad_add")
    with pytest.raises(ValueError, match=r"bad_add.*\(4, 3\).*\(3,\)"):
        ad.backward(ad.sum(bad))


def test_matmul_refuses_arrays_that_are_not_2d_and_says_their_shapes():
    with pytest.raises(ValueError, match=r"2-D.*\(3,\).*\(3, 2\)"):
        ad.matmul(ad.Node(np.ones(3)), ad.Node(np.ones((3, 2))))


def test_numpy_arrays_on_either_side_of_a_node_build_graph_nodes():
    W = ad.Node(np.ones((3, 2)))
    out = np.ones((4, 3)) @ W + np.arange(2.0)
    assert isinstance(out, ad.Node) and out.op == "add" and out.parents[0].op == "matmul"


# ---------------------------------------------------------------- the VJPs are notebook 04's layer
# backwards


def test_the_vjps_of_a_linear_layer_are_exactly_linear_backward():
    rng = np.random.default_rng(3)
    X, W, b, dZ = (ad.Node(rng.normal(size=s)) for s in [(5, 4), (4, 3), (3,), (5, 3)])
    Z = X @ W + b
    ad.backward(Z, dZ.value)
    dX, dW, db = layers.linear_backward(dZ.value, X.value, W.value)
    assert np.array_equal(X.grad, dX) and np.array_equal(W.grad, dW) and np.array_equal(b.grad, db)


@pytest.mark.parametrize(
    "op, backward_fn", [(ad.tanh, layers.tanh_backward), (ad.relu, layers.relu_backward)]
)
def test_the_vjps_of_activations_are_exactly_the_layer_backwards(op, backward_fn):
    rng = np.random.default_rng(4)
    Z, dA = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    leaf = ad.Node(Z)
    ad.backward(op(leaf), dA)
    assert np.array_equal(leaf.grad, backward_fn(dA, Z))


def test_the_vjp_of_softmax_cross_entropy_is_exactly_cross_entropy_backward():
    rng = np.random.default_rng(5)
    Z, y = rng.normal(size=(6, 4)), np.array([0, 3, 1, 1, 2, 0])
    leaf = ad.Node(Z)
    ad.backward(ad.softmax_cross_entropy(leaf, y))
    assert np.array_equal(leaf.grad, losses.cross_entropy_backward(Z, y))


def test_an_mlps_gradients_equal_bplearns_layer_by_layer_backprop_to_rounding():
    X, y = bp.data.spirals(n=30, k=3, seed=0)
    net = bp.MLP([2, 8, 8, 3], activation="relu", init="he", seed=0)
    loss = bp.CrossEntropyLoss()
    net.zero_grad()
    L_layers = loss.forward(net.forward(X), y)
    net.backward(loss.backward())
    leaves = [ad.Node(p.value) for p in net.parameters()]
    A = X
    for i in range(0, len(leaves), 2):
        Z = A @ leaves[i] + leaves[i + 1]
        A = ad.relu(Z) if i + 2 < len(leaves) else Z
    L = ad.softmax_cross_entropy(A, y)
    ad.backward(L)
    assert L.value == pytest.approx(L_layers, rel=1e-14)
    for p, leaf in zip(net.parameters(), leaves):
        assert distance(leaf.grad, p.grad) < 1e-12


# ---------------------------------------------------------------- forward mode


@SETTINGS
@given(st.data())
def test_forward_mode_gradient_equals_reverse_mode_on_a_small_network(data):
    N, D, H = (data.draw(st.integers(1, 4)) for _ in range(3))
    C = 3
    X = data.draw(arrays((N, D)))
    y = np.array(data.draw(st.lists(st.integers(0, C - 1), min_size=N, max_size=N)))
    params = [data.draw(arrays(s)) for s in [(D, H), (H,), (H, C), (C,)]]

    def loss(W1, b1, W2, b2):
        return ad.softmax_cross_entropy(ad.tanh(X @ W1 + b1) @ W2 + b2, y)

    leaves = [ad.Node(p) for p in params]
    ad.backward(loss(*leaves))
    for by_reverse, by_forward in zip(
        [leaf.grad for leaf in leaves], ad.forward_mode_gradient(loss, params)
    ):
        np.testing.assert_allclose(by_forward, by_reverse, rtol=1e-10, atol=1e-13)


def test_a_dual_carries_the_directional_derivative_of_each_operation():
    rng = np.random.default_rng(6)
    A, B, dA, dB = (
        rng.normal(size=(3, 4)),
        rng.normal(size=(4, 2)),
        rng.normal(size=(3, 4)),
        rng.normal(size=(4, 2)),
    )
    h = 1e-6

    def f(a, b):
        return ad.mean(ad.tanh(a @ b) * ad.relu(a @ b + 0.5) + ad.sum(a))

    value = lambda a, b: float(f(ad.Node(a), ad.Node(b)).value)
    centred = (value(A + h * dA, B + h * dB) - value(A - h * dA, B - h * dB)) / (2 * h)
    assert f(ad.Dual(A, dA), ad.Dual(B, dB)).tangent == pytest.approx(centred, rel=1e-7)


# ---------------------------------------------------------------- memory


@pytest.mark.parametrize("depth, N", [(1, 8), (3, 32), (6, 5)])
def test_held_bytes_counts_the_values_the_graph_keeps_for_backward(depth, N):
    width, D_in, C = 7, 5, 3
    rng = np.random.default_rng(depth)
    A, sizes = rng.normal(size=(N, D_in)), [D_in] + [width] * depth + [C]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        Z = A @ ad.Node(rng.normal(size=(n_in, n_out))) + ad.Node(np.zeros(n_out))
        A = ad.relu(Z) if i < depth else Z
    L = ad.softmax_cross_entropy(A, rng.integers(0, C, size=N))
    # per hidden layer X @ W, + b and relu: 3 arrays (N, width); the output layer 2 arrays (N, C); L
    # one number
    assert ad.held_bytes(L) == 8 * (N * (3 * width * depth + 2 * C) + 1)


# ---------------------------------------------------------------- outside the core


def test_import_bplearn_does_not_load_the_autodiff_engine():
    code = "import sys, bplearn; print('bplearn.autodiff' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_the_engine_imports_nothing_but_numpy():
    tree = ast.parse(MODULE.read_text())
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    imported += [node.module or "." for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported == ["numpy"]
