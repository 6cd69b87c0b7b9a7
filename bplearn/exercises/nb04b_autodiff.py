"""Notebook 04b's exercises: the pieces of a reverse-mode engine, checked inside bplearn's own
engine.

    topological_order(root) -> order         every node once, each after all of its parents
    backward(loss)                            fill node.grad = dL/d(node) for every node of loss's
    graph
    add_backward(dout, a_shape, b_shape) -> (da, db)    the VJP of a + b, with numpy broadcasting
    matmul_backward(dout, A, B) -> (dA, dB)             the VJP of A @ B

``topological_order`` and ``backward`` are run on graphs built with ``bplearn.autodiff`` (its Node
and operations), chosen so that each common mistake changes the answer: a node used by two nodes, a
node reached along paths of different lengths, a second pass over the same graph, and a new graph
that shares the parameters of the first.  The judge runs bplearn's reference and the common mistakes
on the same graphs and says which mistake the learner's answer reproduces.
"""

from collections import Counter

import numpy as np

from .. import autodiff as ad
from ..layers import linear_backward
from .autodiff_graphs import GRAPHS, build, mlp, parents_of
from .base import CustomExercise
from .cases import F32, F64, normal
from .evidence import describe
from .function_exercise import Case, FunctionExercise, Mistake
from .result import Verdict

RTOL = 1e-9

# ---------------------------------------------------------------- exercise 1: topological_order


def _collect_order(answer):
    runs = []
    for name in GRAPHS:
        root, _ = build(name)
        names = {id(n): n.name for n in ad.topological_order(root)}
        out = answer(root)
        if out is None:
            raise NotImplementedError
        if not isinstance(out, (list, tuple)):
            runs.append({"not_a_list": describe(out)})
            continue
        runs.append({"length": len(out), "names": [names.get(id(n), "?") for n in out[:64]]})
    return runs


def _judge_order(runs):
    for name, run in zip(GRAPHS, runs):
        root, text = build(name)
        where = f"For the graph {text}"
        if "not_a_list" in run:
            return Verdict(
                False,
                "wrong_shape",
                "topological_order should return a list of nodes; "
                f"it returned {run['not_a_list']}.",
            )
        names, parents = run["names"], parents_of(root)
        if "?" in names:
            return Verdict(
                False,
                "wrong_values",
                f"{where}, the list holds something that is not a node of the "
                "graph. Put the Node objects themselves in the list.",
            )
        counts = Counter(names)
        twice = [n for n in names if counts[n] > 1]
        if twice:
            return Verdict(
                False,
                "wrong_values",
                f"{where}, node '{twice[0]}' appears {counts[twice[0]]} times in your list: the"
                " walk reached it once along every path from the root to it. Every node must"
                " appear exactly once: remember which nodes you have visited already.",
            )
        if run["length"] > len(names):
            return Verdict(
                False,
                "wrong_values",
                f"{where}, your list has {run['length']} entries for a graph of "
                f"{len(parents)} nodes: every node must appear exactly once.",
            )
        missing = [n for n in parents if n not in counts]
        if missing:
            what = (
                "the root itself (the loss, last in the list)"
                if missing[0] == root.name
                else f"node '{missing[0]}'"
                + (" (a leaf: it needs a gradient too)" if not parents[missing[0]] else "")
            )
            return Verdict(
                False,
                "wrong_values",
                f"{where}, your list misses {what}. It must hold every node the "
                "root depends on, the leaves and the root included.",
            )
        position = {n: i for i, n in enumerate(names)}
        late = [(n, p) for n in names for p in parents[n] if position[p] > position[n]]
        if not late:
            continue
        node, parent = late[0]
        if all(position[p] > position[n] for n in names for p in parents[n]):
            return Verdict(
                False,
                "wrong_values",
                f"{where}, your list is in reverse: every node comes before its parents, the root"
                " first. A node must come after all of its parents: add it once they are in the"
                " list.",
            )
        return Verdict(
            False,
            "wrong_values",
            f"{where}, '{node}' comes before '{parent}', one of its parents. Each node must come"
            " after all of its parents. (Going from the root level by level is not enough: a node"
            " can be reached along paths of different lengths.)",
        )
    return Verdict(
        True, "passed", f"A valid order on all {len(GRAPHS)} test graphs, every node once."
    )


# ---------------------------------------------------------------- exercise 2: backward

# (graph, passes): a pass is "same" (backward on the graph again) or "shared" (backward on a new
# graph that
# shares the first one's parameters W1, b1, W2, b2).
BACKWARD_CASES = (
    ("chain", 1),
    ("mlp", 1),
    ("used_twice", 1),
    ("levels", 1),
    ("mlp", "same"),
    ("mlp", "shared"),
)


def _describe_backward_case(case):
    graph, passes = case
    text = build(graph)[1]
    if passes == "same":
        return f"a second backward pass on the graph {text}"
    if passes == "shared":
        return (
            f"backward on the graph {text}, then on a second batch X that shares W1, b1, W2 and b2"
        )
    return f"the graph {text}"


def _grads(root):
    return {
        n.name: None if n.grad is None else np.array(n.grad, dtype=np.float64)
        for n in ad.topological_order(root)
    }


def _run_backward(answer, case):
    """The gradients after each pass of ``case``: a list of {node name: grad}."""
    graph, passes = case
    if passes == "shared":
        rng = np.random.default_rng(11)
        first, params = mlp(rng)
        second, _ = mlp(rng, params=params)
        roots = [first, second]
    else:
        root, _ = build(graph)
        roots = [root] * (2 if passes == "same" else 1)
    out = []
    for root in roots:
        answer(root)
        out.append(_grads(root))
    return out


def _collect_backward(answer):
    return [_run_backward(answer, case) for case in BACKWARD_CASES]


def _backward_overwrite(loss):
    """Mistake: a parent's gradient is overwritten by each node that uses it, instead of added
    to."""
    order = ad.topological_order(loss)
    for node in order:
        node.grad = np.zeros_like(node.value)
    loss.grad = np.ones_like(loss.value)
    for node in reversed(order):
        if node.vjp is not None:
            for parent, g in zip(node.parents, node.vjp(node.grad)):
                parent.grad = g


def _backward_in_order(order_of):
    def answer(loss):
        order = order_of(loss)
        for node in order:
            node.grad = np.zeros_like(node.value)
        loss.grad = np.ones_like(loss.value)
        for node in order:
            if node.vjp is not None:
                for parent, g in zip(node.parents, node.vjp(node.grad)):
                    parent.grad = parent.grad + g

    return answer


def _level_order(root):
    """Breadth-first from the root, each node where it is first reached (not a topological
    order)."""
    order, seen, queue = [], {id(root)}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return order


def _backward_without_reset(reset_intermediates):
    """Mistake: gradients are set to zero only the first time (or, PyTorch-like, only for
    non-leaves)."""

    def answer(loss):
        order = ad.topological_order(loss)
        for node in order:
            if node.grad is None or (reset_intermediates and node.parents):
                node.grad = np.zeros_like(node.value)
        loss.grad = np.ones_like(loss.value)
        for node in reversed(order):
            if node.vjp is not None:
                for parent, g in zip(node.parents, node.vjp(node.grad)):
                    parent.grad = parent.grad + g

    return answer


def _backward_no_seed(loss):
    """Mistake: dL/dL is never set to 1, so nothing but zeros flows back."""
    order = ad.topological_order(loss)
    for node in order:
        node.grad = np.zeros_like(node.value)
    for node in reversed(order):
        if node.vjp is not None:
            for parent, g in zip(node.parents, node.vjp(node.grad)):
                parent.grad = parent.grad + g


def _backward_skips_leaves(loss):
    """Mistake: only nodes with a VJP receive gradients, so the leaves (the parameters) keep 0."""
    order = ad.topological_order(loss)
    for node in order:
        node.grad = np.zeros_like(node.value)
    loss.grad = np.ones_like(loss.value)
    for node in reversed(order):
        if node.vjp is not None:
            for parent, g in zip(node.parents, node.vjp(node.grad)):
                if parent.vjp is not None:
                    parent.grad = parent.grad + g


_NOT_RESET = (
    "the first pass is right, but {case} gives the gradients of both passes added together: {what}"
    " kept the gradients of the previous pass. Every backward pass must start from zero gradients"
    " for every node of the graph."
)

BACKWARD_MISTAKES = (
    (
        _backward_skips_leaves,
        (
            "the leaves (the nodes without parents: the inputs and the parameters W and b) never"
            " receive a gradient; they keep the zeros of step 1. Every parent gets its part from"
            " the VJP, a leaf included: the leaves' gradients are the ones training needs."
        ),
        "missed_nodes",
    ),
    (
        _backward_overwrite,
        (
            "a node used by two nodes gets only the gradient from one of them: the second overwrote"
            " the first. A node used twice must get the sum of the gradients from both uses"
            " (notebook 03)."
        ),
    ),
    (
        _backward_in_order(ad.topological_order),
        (
            "the nodes are visited from the leaves to the loss. A node can send its gradient to its"
            " parents only when every node that uses it has sent it theirs: walk the topological"
            " order backwards, from the loss."
        ),
    ),
    (
        _backward_in_order(_level_order),
        (
            "some node sent its gradient to its parents before every node that uses it had sent it"
            " theirs (going from the loss level by level is not enough: a node can be reached along"
            " paths of different lengths). Walk the topological order backwards."
        ),
    ),
    (
        _backward_without_reset(reset_intermediates=False),
        _NOT_RESET.replace("{what}", "every node"),
    ),
    (
        _backward_without_reset(reset_intermediates=True),
        _NOT_RESET.replace("{what}", "the leaves (the parameters W and b)"),
    ),
    (_backward_no_seed, "every gradient is zero: the walk must start from dL/dL = 1 at the loss."),
)


def _same_grads(a, b):
    if set(a) != set(b):
        return False
    for name in a:
        x, y = a[name], b[name]
        if x is None or y is None:
            if x is not y:
                return False
            continue
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if x.shape != y.shape or not np.all(np.isfinite(x)):
            return False
        if np.max(np.abs(x - y), initial=0.0) > RTOL * max(np.max(np.abs(y), initial=0.0), 1e-12):
            return False
    return True


def _same_run(a, b):
    return len(a) == len(b) and all(_same_grads(x, y) for x, y in zip(a, b))


def _judge_backward(runs):
    expected = _collect_backward(ad.backward)
    if not isinstance(runs, list) or len(runs) != len(expected):
        return Verdict(False, "wrong_values", "backward could not be run on every test graph.")
    for case, run, ref in zip(BACKWARD_CASES, runs, expected):
        if _same_run(run, ref):
            continue
        where = _describe_backward_case(case)
        for answer, message, *code in BACKWARD_MISTAKES:
            # a mistake explains the answer only when it does on every case, not just this one
            if all(_same_run(r, _run_backward(answer, c)) for c, r in zip(BACKWARD_CASES, runs)):
                code = code[0] if code else "wrong_values"
                if "{case}" in message:
                    text = message.format(case=where)
                    return Verdict(False, code, text[0].upper() + text[1:])
                return Verdict(False, code, f"For {where}: {message}")
        for k, (got, want) in enumerate(zip(run, ref)):
            for name in want:
                g = got.get(name)
                if g is None:
                    return Verdict(
                        False,
                        "wrong_values",
                        f"For {where}, node '{name}' has no gradient after "
                        "backward (its .grad is None): every node of the graph, "
                        "the leaves included, needs one.",
                    )
                if np.shape(g) != want[name].shape:
                    return Verdict(
                        False,
                        "wrong_shape",
                        f"For {where}, the gradient of node '{name}' has shape "
                        f"{np.shape(g)}; it must have the node's shape "
                        f"{want[name].shape}.",
                    )
                if not _same_grads({name: g}, {name: want[name]}):
                    return Verdict(
                        False,
                        "wrong_values",
                        f"For {where}, node '{name}' has wrong gradient values"
                        + (" after the second pass." if k else "."),
                    )
    return Verdict(
        True,
        "passed",
        f"Right gradients for every node on all {len(BACKWARD_CASES)} test cases "
        "(a node used twice, paths of different lengths, repeated passes).",
    )


# ---------------------------------------------------------------- exercise 3: add_backward


def _add_cases(rng):
    shapes = [
        ((4, 3), (3,), F64, "b added to every row, as in X @ W + b"),
        ((4, 3), (4, 3), F64, "the same shapes"),
        ((2, 1), (1, 3), F64, "both operands broadcast"),
        ((), (3, 2), F64, "a is a single number"),
        ((5,), (2, 4, 5), F64, "a broadcast over two leading axes"),
        ((2, 3, 1), (3, 4), F64, ""),
        ((6, 4), (1, 4), F32, ""),
    ]
    cases = []
    for a_shape, b_shape, dtype, note in shapes:
        out_shape = np.broadcast_shapes(a_shape, b_shape)
        cases.append(Case((normal(rng, out_shape, dtype), a_shape, b_shape), note=note))
    return cases


def _unbroadcast_leading_only(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    return g


def _unbroadcast_mean(g, shape):
    while g.ndim > len(shape):
        g = g.mean(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.mean(axis=axis, keepdims=True)
    return g


ADD_MISTAKES = [
    Mistake(
        "wrong_shape",
        lambda dout, a_shape, b_shape: (dout, dout),
        "{output} has the shape of the sum a + b, not of its operand. Where broadcasting copied an"
        " operand to make the shapes fit, each entry was used several times: sum the gradients of"
        " its copies back to the operand's shape.",
    ),
    Mistake(
        "wrong_shape",
        lambda dout, a_shape, b_shape: (
            _unbroadcast_leading_only(dout, a_shape),
            _unbroadcast_leading_only(dout, b_shape),
        ),
        "{output}: the axes broadcasting added in front are summed, but an axis where the operand"
        " has size 1 was stretched as well: sum over it too, keeping it with size 1.",
    ),
    Mistake(
        "scale",
        lambda dout, a_shape, b_shape: (
            _unbroadcast_mean(dout, a_shape),
            _unbroadcast_mean(dout, b_shape),
        ),
        "{output} averages the gradients of the copies; each copy adds its own contribution to the"
        " loss, so they are summed, not averaged.",
    ),
]


def _no_sizes(*args):
    return []


# ---------------------------------------------------------------- exercise 4: matmul_backward


def _matmul_cases(rng):
    cases = []
    for N, K, M, dtype in [
        (4, 3, 2, F64),
        (3, 3, 3, F64),
        (1, 5, 1, F64),
        (6, 2, 6, F64),
        (5, 4, 3, F32),
        (2, 7, 4, F64),
    ]:
        cases.append(
            Case(
                (normal(rng, (N, M), dtype), normal(rng, (N, K), dtype), normal(rng, (K, M), dtype))
            )
        )
    return cases


# ---------------------------------------------------------------- the exercises

EXERCISES = [
    CustomExercise(
        "topological_order",
        title="The order of the walk: a topological sort",
        points=2,
        signature="topological_order(root) -> order",
        collect=_collect_order,
        judge=_judge_order,
        reference=ad.topological_order,
    ),
    CustomExercise(
        "backward",
        title="The backward pass over a graph",
        points=3,
        signature="backward(loss) -> None (fills node.grad)",
        collect=_collect_backward,
        judge=_judge_backward,
        reference=ad.backward,
        may_use=(ad.topological_order,),  # the page says: use topo_order (yours or bplearn's)
    ),
    FunctionExercise(
        "add_backward",
        title="The VJP of a + b, with broadcasting",
        points=2,
        args=("dout", "a_shape", "b_shape"),
        outputs=("da", "db"),
        reference=ad.add_backward,
        may_not_use=(ad.unbroadcast,),
        cases=_add_cases,
        mistakes=ADD_MISTAKES,
        sizes=_no_sizes,
    ),
    FunctionExercise(
        "matmul_backward",
        title="The VJP of A @ B",
        points=1,
        args=("dout", "A", "B"),
        outputs=("dA", "dB"),
        reference=ad.matmul_backward,
        may_not_use=(linear_backward,),
        cases=_matmul_cases,
    ),
]
