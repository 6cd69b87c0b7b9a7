"""Automatic differentiation over numpy arrays: reverse mode (a graph walked backwards) and forward
mode.

Reverse mode, what backpropagation is::

    from bplearn import autodiff as ad
    W, b = ad.Node(W0), ad.Node(b0)            # leaves: the arrays we want gradients for
    Z = X @ W + b                              # every operation makes a Node that remembers its
    parents ...
    L = ad.softmax_cross_entropy(Z, y)         # ... and its VJP, how to send a gradient back to
    them
    ad.backward(L)                             # now W.grad = dL/dW and b.grad = dL/db

Each operation computes its value and, right beside it, its vector-Jacobian product (VJP): given
``dout`` = dL/d(output), it returns dL/d(input) for each input, shaped like that input.  The
Jacobian itself is never formed.  ``backward`` visits the nodes in reverse topological order (a node
after every node that used it), so each node's gradient is complete before it is sent on.

Forward mode, for comparison: ``Dual(value, tangent)`` carries a directional derivative forward
through the same operations (their Jacobian-vector products, JVPs): one pass gives the derivative
along one direction, so a full gradient takes one pass per parameter (``forward_mode_gradient``).

Not part of bplearn's numpy-layer core (``import bplearn`` does not load it); it needs numpy only.
Notation: X (N, D_in), W (D_in, D_out), b (D_out,), Z = X @ W + b, A = f(Z), L the loss.
"""

import numpy as np

# ---------------------------------------------------------------- the graph


class Operators:
    """``+``, ``*`` and ``@`` for Node and Dual: each calls the operation below, which handles
    both."""

    # so that `ndarray @ Node` and `ndarray + Node` come to these methods
    __array_ufunc__ = None

    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)


class Node(Operators):
    """One array in the graph.

    value    the array computed in the forward pass (ints become float64)
    grad     dL/d(value) after ``backward(L)``, same shape as value (None before)
    parents  the Nodes this one was computed from (empty for a leaf)
    vjp      dout -> one gradient per parent, each shaped like that parent (None for a leaf)
    op       the operation's name, for printing
    """

    def __init__(self, value, parents=(), vjp=None, op="leaf", name=""):
        value = np.asarray(value)
        self.value = value if value.dtype.kind == "f" else value.astype(np.float64)
        self.grad = None
        self.parents = tuple(parents)
        self.vjp = vjp
        self.op = op
        self.name = name

    @property
    def shape(self):
        return self.value.shape

    def __repr__(self):
        label = f" {self.name!r}" if self.name else ""
        return f"<Node{label} {self.op} {self.value.shape}>"


def as_node(x):
    """``x`` itself if it is a Node, else a new leaf holding it (a constant such as the data X)."""
    return x if isinstance(x, Node) else Node(x)


def topological_order(root):
    """Every node ``root`` depends on, each once, each after all of its parents (``root`` comes
    last).

    A depth-first walk with a stack of its own instead of recursion: a chain of any length fits (no
    recursion limit), and no inner function refers to itself, so no reference cycle keeps a graph
    alive once its last user lets go of it.  Each stack entry is a node and the parents it has left
    to visit.
    """
    order, seen = [], {id(root)}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        parent = next(parents, None)
        if parent is None:
            stack.pop()
            order.append(node)  # only once all its parents are in the list
        elif id(parent) not in seen:
            seen.add(id(parent))
            stack.append((parent, iter(parent.parents)))
    return order


def backward(loss, grad=None):
    """Fill ``node.grad`` = dL/d(node) for every node ``loss`` depends on.

    Every call starts from zero, so a second call gives the same gradients, not twice them (PyTorch
    instead adds into the leaves' .grad until you zero it).  ``grad`` seeds dL/d(loss) when ``loss``
    is not a scalar (default: ones, for a scalar loss).  A node's first gradient is kept as it
    comes, and later ones are added to it: no array of zeros is made and added into.
    """
    order = topological_order(loss)
    for node in order:
        node.grad = None  # each pass starts from nothing (every node then gets at least one part)
    loss.grad = np.ones_like(loss.value) if grad is None else np.array(grad, dtype=loss.value.dtype)
    # a node after every node that used it
    for node in reversed(order):
        if node.vjp is None:
            continue  # a leaf: nothing further back
        for parent, g in zip(node.parents, node.vjp(node.grad)):
            if np.shape(g) != parent.value.shape:
                raise ValueError(
                    f"the VJP of {node.op} returned a gradient of shape {np.shape(g)} for an "
                    f"input of shape {parent.value.shape}; it must have the input's shape"
                )
            g = np.asarray(g, dtype=parent.value.dtype)
            # a node used twice gets the sum, in a new array: never add into g in place, since a
            # VJP may return its dout itself, which another node holds as its grad
            parent.grad = g if parent.grad is None else parent.grad + g


def held_bytes(root):
    """Bytes of the arrays the graph of ``root`` keeps for its backward pass: the values of its
    non-leaf nodes.

    (Every VJP here reads only node values, so these arrays are all a backward pass needs to keep.)
    A count, not the memory a gradient takes: the backward pass adds a gradient to every node, and
    its VJPs make temporary arrays (``tracemalloc`` measures all of it).
    """
    total = 0
    for node in topological_order(root):
        if node.parents:
            total += node.value.nbytes
    return total


# ---------------------------------------------------------------- vector-Jacobian products


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: over the leading axes broadcasting added, and over axes that
    were 1.

    An entry that broadcasting used many times gets the sum of the gradients of its copies.
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def add_backward(dout, a_shape, b_shape):
    """VJP of out = a + b (numpy broadcasting).  dout has out's shape -> (da of a_shape, db of
    b_shape)."""
    return unbroadcast(dout, a_shape), unbroadcast(dout, b_shape)


def matmul_backward(dout, A, B):
    """VJP of out = A @ B, with A (N, K), B (K, M), dout (N, M) -> (dA (N, K), dB (K, M))."""
    return dout @ B.T, A.T @ dout


def softmax(Z):
    """Row-wise softmax of Z (N, C), stable: the row maximum is subtracted first."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _onehot_minus(P, y):
    """P - onehot(y): P (N, C) probabilities, y (N,) integer labels."""
    G = P.copy()
    G[np.arange(len(y)), y] -= 1.0
    return G


# ---------------------------------------------------------------- operations: value, VJP, and JVP


def add(a, b):
    """a + b with numpy broadcasting."""
    if isinstance(a, Dual) or isinstance(b, Dual):
        a, b = as_dual(a), as_dual(b)
        return Dual(a.value + b.value, a.tangent + b.tangent)  # JVP
    a, b = as_node(a), as_node(b)
    return Node(
        a.value + b.value,
        (a, b),
        lambda dout: add_backward(dout, a.value.shape, b.value.shape),
        "add",
    )  # VJP


def mul(a, b):
    """a * b element-wise, with numpy broadcasting."""
    if isinstance(a, Dual) or isinstance(b, Dual):
        a, b = as_dual(a), as_dual(b)
        return Dual(a.value * b.value, a.tangent * b.value + a.value * b.tangent)
    a, b = as_node(a), as_node(b)
    return Node(
        a.value * b.value,
        (a, b),
        lambda dout: (
            unbroadcast(dout * b.value, a.value.shape),
            unbroadcast(dout * a.value, b.value.shape),
        ),
        "mul",
    )


def matmul(a, b):
    """a @ b for 2-D arrays: a (N, K), b (K, M) -> (N, M)."""
    if isinstance(a, Dual) or isinstance(b, Dual):
        a, b = as_dual(a), as_dual(b)
        return Dual(a.value @ b.value, a.tangent @ b.value + a.value @ b.tangent)
    a, b = as_node(a), as_node(b)
    if a.value.ndim != 2 or b.value.ndim != 2:
        raise ValueError(f"matmul takes 2-D arrays, got shapes {a.value.shape} and {b.value.shape}")
    return Node(
        a.value @ b.value, (a, b), lambda dout: matmul_backward(dout, a.value, b.value), "matmul"
    )


def tanh(a):
    """tanh, element-wise.  Its Jacobian is diagonal, 1 - A**2, so both products are
    element-wise."""
    if isinstance(a, Dual):
        A = np.tanh(a.value)
        return Dual(A, (1 - A**2) * a.tangent)
    a = as_node(a)
    A = np.tanh(a.value)
    return Node(A, (a,), lambda dout: (dout * (1 - A**2),), "tanh")


def relu(a):
    """max(0, a), element-wise; the derivative at 0 is taken as 0 (as in bplearn.layers)."""
    if isinstance(a, Dual):
        return Dual(np.maximum(a.value, 0), a.tangent * (a.value > 0))
    a = as_node(a)
    return Node(np.maximum(a.value, 0), (a,), lambda dout: (dout * (a.value > 0),), "relu")


def sum(a):  # noqa: A001 - the operation's natural name (ad.sum, like np.sum); not in __all__
    """The sum of every entry: a scalar.  Every entry gets the upstream gradient."""
    if isinstance(a, Dual):
        return Dual(a.value.sum(), a.tangent.sum())
    a = as_node(a)
    return Node(
        a.value.sum(),
        (a,),
        lambda dout: (np.full(a.value.shape, dout, dtype=a.value.dtype),),
        "sum",
    )


def mean(a):
    """The mean of every entry: a scalar.  Every entry gets the upstream gradient / size."""
    if isinstance(a, Dual):
        return Dual(a.value.mean(), a.tangent.mean())
    a = as_node(a)
    return Node(
        a.value.mean(),
        (a,),
        lambda dout: (np.full(a.value.shape, dout / a.value.size, dtype=a.value.dtype),),
        "mean",
    )


def softmax_cross_entropy(Z, y):
    """L = -(1/N) sum_n log softmax(Z)[n, y_n], fused and stable.  Z (N, C) logits, y (N,) integer
    labels.

    VJP: dZ = dout * (softmax(Z) - onehot(y)) / N, recomputed from Z so that the graph keeps nothing
    extra.
    """
    y = np.asarray(y)
    if isinstance(Z, Dual):
        P = softmax(Z.value)
        L = -np.log(P[np.arange(len(y)), y]).mean()
        return Dual(L, np.sum(_onehot_minus(P, y) * Z.tangent) / len(y))
    Z = as_node(Z)
    shifted = Z.value - Z.value.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    L = -log_P[np.arange(len(y)), y].mean()
    return Node(
        L, (Z,), lambda dout: (dout * _onehot_minus(softmax(Z.value), y) / len(y),), "softmax_ce"
    )


# ---------------------------------------------------------------- forward mode


class Dual(Operators):
    """A value and its tangent (its derivative along one chosen direction), carried forward
    together.

    Each operation above maps (value, tangent) of its inputs to (value, tangent) of its output, with
    the tangent transformed by the operation's Jacobian-vector product.
    """

    def __init__(self, value, tangent):
        self.value = np.asarray(value)
        self.tangent = np.asarray(tangent)

    def __repr__(self):
        return f"<Dual {self.value.shape}>"


def as_dual(x):
    """``x`` itself if it is a Dual, else a constant: a Dual with a zero tangent."""
    if isinstance(x, Dual):
        return x
    x = np.asarray(x, dtype=np.float64)
    return Dual(x, np.zeros_like(x))


def forward_mode_gradient(f, arrays):
    """The gradient of the scalar f(*arrays), one forward pass per entry of every array.

    Pass k sets the tangent of one entry to 1 and every other tangent to 0, so f's output tangent is
    the derivative along that entry.  Returns one gradient per array, shaped like it.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    tangents = [np.zeros_like(a) for a in arrays]
    grads = [np.zeros_like(a) for a in arrays]
    for k, a in enumerate(arrays):
        for i in np.ndindex(*a.shape):
            tangents[k][i] = 1.0
            grads[k][i] = f(*[Dual(v, t) for v, t in zip(arrays, tangents)]).tangent
            tangents[k][i] = 0.0
    return grads


# ``sum`` is left out so that ``from bplearn.autodiff import *`` cannot hide Python's own sum: write
# ``ad.sum``.
__all__ = [
    "Node",
    "as_node",
    "topological_order",
    "backward",
    "held_bytes",
    "unbroadcast",
    "add_backward",
    "matmul_backward",
    "softmax",
    "add",
    "mul",
    "matmul",
    "tanh",
    "relu",
    "mean",
    "softmax_cross_entropy",
    "Dual",
    "as_dual",
    "forward_mode_gradient",
]
