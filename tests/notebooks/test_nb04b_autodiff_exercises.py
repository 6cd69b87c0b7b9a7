"""Notebook 04b's exercises: the reference passes, the released stub is not implemented, correct
answers written differently pass, and each common mistake gets its own diagnosis in words that name
it."""
import subprocess
import sys

import numpy as np
import pytest

from bplearn import autodiff as ad
from bplearn.exercises import check, get
from bplearn.exercises import evidence as ev

# wrong answers here are built from bplearn's references: see conftest.unwatched
pytestmark = pytest.mark.usefixtures("unwatched")

IDS = ["topological_order", "backward", "add_backward", "matmul_backward"]


# ---------------------------------------------------------------- topological_order

def topo_iterative(root):
    """Depth-first with an explicit stack: a node is appended once all its parents are done."""
    order, done, stack = [], set(), [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if id(node) in done:
            continue
        if parents_done:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents if id(p) not in done)
    return order


def topo_kahn(root):
    """Kahn's algorithm on the graph reversed: repeatedly take a node no remaining node uses, then
    reverse."""
    nodes, users, stack = {}, {}, [root]
    while stack:
        node = stack.pop()
        if id(node) in nodes:
            continue
        nodes[id(node)] = node
        for p in node.parents:
            users[id(p)] = users.get(id(p), 0) + 1
            stack.append(p)
    ready, order = [root], []
    while ready:
        node = ready.pop()
        order.append(node)
        for p in node.parents:
            users[id(p)] -= 1
            if users[id(p)] == 0:
                ready.append(p)
    return order[::-1]


def topo_node_first(root):
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        order.append(node)                 # before its parents
        for p in node.parents:
            visit(p)
    visit(root)
    return order


def topo_no_seen(root):
    order = []

    def visit(node):
        for p in node.parents:
            visit(p)
        order.append(node)
    visit(root)
    return order


def topo_levels(root):
    """Level by level from the root (breadth-first), then reversed."""
    order, seen, queue = [], {id(root)}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for p in node.parents:
            if id(p) not in seen:
                seen.add(id(p))
                queue.append(p)
    return order[::-1]


def topo_no_leaves(root):
    return [n for n in ad.topological_order(root) if n.parents]


def topo_no_root(root):
    return ad.topological_order(root)[:-1]


# ---------------------------------------------------------------- backward

def backward_with_dict(loss):
    """Right, written differently: gradients in a dict keyed by node id, written to the nodes at the
    end."""
    order = topo_kahn(loss)
    grads = {id(n): np.zeros_like(n.value) for n in order}
    grads[id(loss)] = np.ones_like(loss.value)
    for node in reversed(order):
        if node.parents:
            for parent, g in zip(node.parents, node.vjp(grads[id(node)])):
                grads[id(parent)] = grads[id(parent)] + g
    for n in order:
        n.grad = grads[id(n)]


def backward_plus_equals(loss):
    order = topo_iterative(loss)
    for n in order:
        n.grad = np.zeros_like(n.value)
    loss.grad = np.array(1.0)
    for node in order[::-1]:
        if node.vjp:
            for parent, g in zip(node.parents, node.vjp(node.grad)):
                parent.grad += g


def walk(order_of, reset="all", combine="add", seed=True):
    """A backward pass with one knob per common mistake."""
    def backward(loss):
        order = order_of(loss)
        for n in order:
            if reset == "all" or n.grad is None or (reset == "intermediates" and n.parents):
                n.grad = np.zeros_like(n.value)
        if seed:
            loss.grad = np.ones_like(loss.value)
        for node in reversed(order):
            if node.vjp is not None:
                for parent, g in zip(node.parents, node.vjp(node.grad)):
                    parent.grad = g if combine == "overwrite" else parent.grad + g
    return backward


def backward_leaves_only(loss):
    """Right numbers, but only the leaves keep a gradient."""
    backward_with_dict(loss)
    for n in ad.topological_order(loss):
        if n.parents:
            n.grad = None


def backward_raises(loss):
    loss.grad = 1.0
    for node in ad.topological_order(loss)[::-1]:
        for parent, g in zip(node.parents, node.vjp(node.grad)):
            parent.grad = parent.grad + g          # parent.grad is still None: TypeError


# ---------------------------------------------------------------- add_backward and matmul_backward

def add_backward_axes(dout, a_shape, b_shape):
    """Right, written differently: one sum over every broadcast axis, then a reshape."""
    def back(shape):
        lead = dout.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and dout.shape[lead + i] != 1)
        return dout.sum(axis=axes).reshape(shape)
    return back(a_shape), back(b_shape)


def add_backward_reduce_to(dout, a_shape, b_shape):
    def back(shape):
        g = dout
        while g.ndim > len(shape):
            g = np.add.reduce(g, axis=0)
        return np.add.reduce(g, axis=tuple(i for i, s in enumerate(shape) if s == 1), keepdims=True) \
            if 1 in shape else g
    return back(a_shape), back(b_shape)


def add_no_sum(dout, a_shape, b_shape):
    return dout, dout


def add_leading_only(dout, a_shape, b_shape):
    def back(shape):
        g = dout
        while g.ndim > len(shape):
            g = g.sum(axis=0)
        return g
    return back(a_shape), back(b_shape)


def add_mean(dout, a_shape, b_shape):
    def back(shape):
        g = dout
        while g.ndim > len(shape):
            g = g.mean(axis=0)
        for i, s in enumerate(shape):
            if s == 1:
                g = g.mean(axis=i, keepdims=True)
        return g
    return back(a_shape), back(b_shape)


def add_keepdims_leading(dout, a_shape, b_shape):
    def back(shape):
        g = dout
        for _ in range(dout.ndim - len(shape)):
            g = g.sum(axis=0, keepdims=True)
        return g
    return back(a_shape), back(b_shape)


RIGHT = [
    ("topological_order", topo_iterative),
    ("topological_order", topo_kahn),
    ("backward", backward_with_dict),
    ("backward", backward_plus_equals),
    ("add_backward", add_backward_axes),
    ("add_backward", add_backward_reduce_to),
    ("matmul_backward", lambda dout, A, B: (np.einsum("nm,km->nk", dout, B), np.einsum("nk,nm->km", A, dout))),
    ("matmul_backward", lambda dout, A, B: ((B @ dout.T).T, (dout.T @ A).T)),
]

# (exercise, wrong answer, diagnosis, words the message must contain)
WRONG = [
    ("topological_order", topo_node_first, "wrong_values", "reverse"),
    ("topological_order", topo_no_seen, "wrong_values", "times in your list: the walk reached it once along every path"),
    ("topological_order", topo_levels, "wrong_values", "level by level"),
    ("topological_order", topo_no_leaves, "wrong_values", "a leaf"),
    ("topological_order", topo_no_root, "wrong_values", "the root itself"),
    ("topological_order", lambda root: {root}, "wrong_shape", "list of nodes"),
    ("topological_order", lambda root: [n.name for n in ad.topological_order(root)], "wrong_values",
     "not a node of the graph"),
    ("backward", walk(ad.topological_order, combine="overwrite"), "wrong_values", "overwrote"),
    ("backward", walk(lambda loss: ad.topological_order(loss)[::-1]), "wrong_values", "from the leaves to the loss"),
    ("backward", walk(lambda loss: topo_levels(loss)), "wrong_values", "level by level"),
    ("backward", walk(ad.topological_order, reset="never"), "wrong_values", "every node kept"),
    ("backward", walk(ad.topological_order, reset="intermediates"), "wrong_values", "the leaves (the parameters"),
    ("backward", walk(ad.topological_order, seed=False), "wrong_values", "dL/dL = 1"),
    ("backward", backward_leaves_only, "wrong_values", "has no gradient"),
    ("backward", backward_raises, "error", "TypeError"),
    ("add_backward", add_no_sum, "wrong_shape", "shape of the sum"),
    ("add_backward", add_leading_only, "wrong_shape", "size 1"),
    ("add_backward", add_mean, "scale", "summed, not averaged"),
    ("add_backward", add_keepdims_leading, "wrong_shape", "should have shape"),
    ("matmul_backward", lambda dout, A, B: (dout @ B.T, dout.T @ A), "transposed", "dB"),
    ("matmul_backward", lambda dout, A, B: (dout @ B, A.T @ dout), "error", "matmul"),
    ("matmul_backward", lambda dout, A, B: (dout @ B.T / len(A), A.T @ dout), "scale", "dA"),
]


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_reference_passes_with_full_points(exercise_id, exercise_contract):
    exercise_contract.reference_passes(exercise_id)


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_released_stub_is_not_implemented(exercise_id, exercise_contract):
    exercise_contract.template_is_not_implemented(exercise_id)


@pytest.mark.parametrize("exercise_id, fn", RIGHT, ids=[f"{e}-{i}" for i, (e, _) in enumerate(RIGHT)])
def test_a_correct_alternative_passes(exercise_id, fn, exercise_contract):
    exercise_contract.alternative_passes(exercise_id, fn)


@pytest.mark.parametrize("exercise_id, fn, diagnosis, words", WRONG,
                         ids=[f"{e}-{d}-{i}" for i, (e, _, d, _) in enumerate(WRONG)])
def test_a_common_mistake_gets_its_diagnosis(exercise_id, fn, diagnosis, words, exercise_contract):
    exercise_contract.mistake_is_diagnosed(exercise_id, fn, diagnosis, words)


def test_the_four_mistakes_of_the_issue_are_told_apart():
    """Overwrite instead of add, the wrong order, a broadcast not summed back, no reset: four
    different messages."""
    messages = {check("backward", walk(ad.topological_order, combine="overwrite"), show_result=False).message,
                check("backward", walk(lambda loss: ad.topological_order(loss)[::-1]), show_result=False).message,
                check("backward", walk(ad.topological_order, reset="never"), show_result=False).message,
                check("add_backward", add_no_sum, show_result=False).message}
    assert len(messages) == 4


@pytest.mark.parametrize("exercise_id, answer", [("backward", ad.backward), ("topological_order", topo_no_seen),
                                                 ("backward", walk(ad.topological_order, reset="never"))])
def test_the_verdict_is_the_same_after_the_evidence_goes_through_disk(exercise_id, answer, tmp_path):
    """``bplearn grade`` collects in the submission's kernel and judges the evidence read back from
    disk."""
    exercise = get(exercise_id)
    evidence = exercise.collect(answer)
    ev.dump(evidence, tmp_path / "evidence")
    assert exercise.judge(ev.load(tmp_path / "evidence")) == exercise.judge(evidence)


def test_the_exercises_are_registered_in_a_fresh_process():
    code = "from bplearn.exercises import get; print([get(i).points for i in %r])" % IDS
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[2, 3, 2, 1]"
