"""The small graphs notebook 04b's checks run a learner's ``topological_order`` and ``backward`` on.

Built with ``bplearn.autodiff``, each the same every time it is built, and chosen so that each
common mistake changes the answer: a node used by two nodes (``used_twice``), a node reached along
paths of different lengths (``levels``), a network whose nodes need their gradients in order
(``mlp``).
"""

import numpy as np

from .. import autodiff as ad


def leaf(rng, shape, name):
    return ad.Node(rng.normal(size=shape), name=name)


def named(node, name):
    node.name = name
    return node


def mlp(rng, params=None, N=4):
    """L = softmax_ce(tanh(X @ W1 + b1) @ W2 + b2, y): a node's gradient is needed before its
    parents'."""
    X = leaf(rng, (N, 3), "X")
    y = rng.integers(0, 2, size=N)
    W1, b1, W2, b2 = params or (
        leaf(rng, (3, 5), "W1"),
        leaf(rng, (5,), "b1"),
        leaf(rng, (5, 2), "W2"),
        leaf(rng, (2,), "b2"),
    )
    XW1 = named(X @ W1, "X@W1")
    Z1 = named(XW1 + b1, "Z1")
    A1 = named(ad.tanh(Z1), "A1")
    A1W2 = named(A1 @ W2, "A1@W2")
    Z2 = named(A1W2 + b2, "Z2")
    return named(ad.softmax_cross_entropy(Z2, y), "L"), (W1, b1, W2, b2)


def used_twice(rng):
    """L = mean(v * v), v = u + tanh(u), u = tanh(X @ W + b): u and v are each used by two nodes."""
    X, W, b = leaf(rng, (3, 4), "X"), leaf(rng, (4, 2), "W"), leaf(rng, (2,), "b")
    u = named(ad.tanh(named(named(X @ W, "X@W") + b, "Z")), "u")
    v = named(u + named(ad.tanh(u), "tanh(u)"), "v")
    return named(ad.mean(named(v * v, "v*v")), "L")


def levels(rng):
    """L = sum(u + tanh(tanh(u))), u = tanh(x): u is reached from L in two steps and in four."""
    x = leaf(rng, (3, 2), "x")
    u = named(ad.tanh(x), "u")
    v = named(ad.tanh(u), "v")
    w = named(ad.tanh(v), "w")
    return named(ad.sum(named(u + w, "s")), "L")


def chain(rng):
    """L = sum(tanh(x)): the shortest graph."""
    x = leaf(rng, (2, 3), "x")
    return named(ad.sum(named(ad.tanh(x), "t")), "L")


def build(name):
    """(root, description) of the named test graph, the same every time it is built."""
    rng = np.random.default_rng(sum(map(ord, name)))
    if name == "mlp":
        return mlp(rng)[0], "L = softmax_ce(tanh(X @ W1 + b1) @ W2 + b2, y)"
    if name == "used_twice":
        return used_twice(rng), "L = mean(v * v), v = u + tanh(u), u = tanh(X @ W + b)"
    if name == "levels":
        return levels(rng), "L = sum(u + w), w = tanh(v), v = tanh(u), u = tanh(x)"
    if name == "chain":
        return chain(rng), "L = sum(tanh(x))"
    raise KeyError(name)


GRAPHS = ("chain", "mlp", "used_twice", "levels")


def parents_of(root):
    """{name: [names of its parents]} of every node of the graph."""
    return {n.name: [p.name for p in n.parents] for n in ad.topological_order(root)}
