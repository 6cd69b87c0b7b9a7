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
on the same graphs and says which mistake the learner's answer reproduces.  Those two exercises
(their graphs' runs, mistakes and judges) are defined in ``nb04b_graph_exercises``.
"""

import numpy as np

from .. import autodiff as ad
from ..layers import linear_backward
from .cases import F32, F64, normal
from .function_exercise import Case, FunctionExercise, Mistake
from .nb04b_graph_exercises import BACKWARD, TOPOLOGICAL_ORDER

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
    TOPOLOGICAL_ORDER,
    BACKWARD,
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
