"""Notebook 04b's graph exercises, ``topological_order`` and ``backward``: how they are run on
bplearn's own engine, the common mistakes, and the judges (``nb04b_autodiff`` lists them in its
EXERCISES).

    topological_order(root) -> order         every node once, each after all of its parents
    backward(loss)                            fill node.grad = dL/d(node) for every node of loss's
    graph
"""

from collections import Counter

import numpy as np

from .. import autodiff as ad
from .autodiff_graphs import GRAPHS, build, mlp, parents_of
from .base import CustomExercise
from .evidence import describe
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


TOPOLOGICAL_ORDER = CustomExercise(
    "topological_order",
    title="The order of the walk: a topological sort",
    points=2,
    signature="topological_order(root) -> order",
    collect=_collect_order,
    judge=_judge_order,
    reference=ad.topological_order,
)


BACKWARD = CustomExercise(
    "backward",
    title="The backward pass over a graph",
    points=3,
    signature="backward(loss) -> None (fills node.grad)",
    collect=_collect_backward,
    judge=_judge_backward,
    reference=ad.backward,
    may_use=(ad.topological_order,),  # the page says: use topo_order (yours or bplearn's)
)
