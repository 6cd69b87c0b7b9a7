"""Notebook 07's exercises: watching gradients with a hook, and measuring how fast they vanish.

    layer_grad_norms(net, loss, X, Y) -> norms     ||dW|| of every Linear layer, input side first
    decay_rate(norms) -> factor                     the factor per layer, from a straight-line fit

Each check runs the learner's answer in ``collect`` (which returns plain data only) and compares it
with the references below in ``judge``, which never runs learner code.
"""

import numpy as np

from .. import Recorder
from ..init import normal
from ..losses import CrossEntropyLoss, MSELoss
from ..network import MLP
from ..optim import SGD
from .cases import Case, Setup, materialize
from .function_exercise import FunctionExercise, Mistake, Output

RTOL = 1e-6  # norms computed in float64; the learner may take them in another order

# ---------------------------------------------------------------- references


def layer_grad_norms(net, loss, X, Y):
    """||dW|| of every Linear layer of ``net`` for the batch (X, Y), input side first, as an array
    (L,).

    Recorded with a hook on the "backward" stage (event.data["dW"]); the hook is removed afterwards
    and no parameter changes (there is no update).
    """
    norms = {}

    def record(event):
        if "dW" in event.data:
            norms[event.index] = float(np.linalg.norm(event.data["dW"]))

    handle = net.add_hook(record, stages="backward")
    try:
        net.zero_grad()
        loss.forward(net.forward(X), Y)
        net.backward(loss.backward())
    finally:
        handle.remove()
    return np.array([norms[i] for i in sorted(norms)])


def decay_rate(norms):
    """The factor by which ||dW|| is multiplied per layer as the gradient travels backwards.

    Fits log ||dW_l|| = a + s * l (l = 1 next to the input) by least squares and returns exp(-s):
    below 1 the gradient shrinks on its way to the input (vanishes), above 1 it grows (explodes).
    """
    norms = np.asarray(norms, dtype=np.float64)
    layer = np.arange(1, norms.size + 1)
    slope = np.polyfit(layer, np.log(norms), 1)[0]
    return float(np.exp(-slope))


# ---------------------------------------------------------------- layer_grad_norms

# Each case: a network, a loss and a batch (gradients left over from an earlier step in two), built
# fresh for every call.  The check observes the norms, whether the weights changed and whether a
# hook is left attached; each common mistake is a variant of the reference, observed the same way.


def _problem(sizes, activation, init, seed, n, task, dirty):
    def build():
        net = MLP(sizes, activation=activation, init=init, seed=seed)
        rng = np.random.default_rng(100 + seed)
        X = rng.normal(size=(n, sizes[0]))
        if task == "ce":
            loss, Y = CrossEntropyLoss(), rng.integers(0, sizes[-1], size=n)
        else:
            loss, Y = MSELoss(), rng.normal(size=(n, sizes[-1]))
        for p in net.parameters() if dirty else ():
            p.grad = rng.normal(size=p.value.shape)
        return net, loss, X, Y

    words = f"an MLP {sizes} with {activation} ({len(sizes) - 1} Linear layers)"
    return Case(Setup(build, words))


NORM_CASES = [
    _problem([16, 32, 32, 32, 32, 1], "sigmoid", "xavier", 0, 64, "mse", dirty=False),
    _problem([5, 8, 8, 8, 3], "tanh", normal(1.0), 1, 20, "ce", dirty=True),
    _problem([4, 6, 2], "relu", "he", 2, 9, "mse", dirty=True),
]


def _observe(case, args, norms):
    """The norms, whether the weights changed (1.0) and whether a hook is left attached (1.0)."""
    net, before = args[0], materialize(case.args)[0]
    moved = any(
        not np.array_equal(p.value, q.value) for p, q in zip(net.parameters(), before.parameters())
    )
    return norms, float(moved), float(net.has_hooks())


def _grads(net, loss, X, Y, zero=True):
    """One pass (the gradients zeroed first, or not): (dW, db, dZ) of each Linear layer."""
    rec = Recorder()
    with net.add_hook(rec, stages=("forward", "backward")):
        if zero:
            net.zero_grad()
        loss.forward(net.forward(X), Y)
        net.backward(loss.backward())
    return [
        (net.layers[i].W.grad, net.layers[i].b.grad, rec.last_grads[i])
        for i in net.linear_indices()
    ]


def _norms(arrays):
    return np.array([np.linalg.norm(a) for a in arrays])


def _stepped(net, loss, X, Y):
    norms = layer_grad_norms(net, loss, X, Y)
    SGD(net.parameters(), lr=0.1).step()
    return norms


LEFT_OVER = (
    "norms that include gradients left over from an earlier step: .grad accumulates, so reset it"
    " with net.zero_grad() before the backward pass."
)
NORM_MISTAKES = [
    Mistake(
        "wrong_values",
        lambda *a: layer_grad_norms(*a)[::-1],
        "layer_grad_norms returns the right norms in reverse order: backward events arrive from"
        " the output side first (layer L down to layer 1). Return them input side first, e.g."
        " sorted by event.index.",
    ),
    Mistake(
        "wrong_values",
        lambda *a: _norms(dW for dW, _, _ in _grads(*a, zero=False)),
        "layer_grad_norms returns " + LEFT_OVER,
    ),
    Mistake(
        "wrong_values",
        lambda *a: _norms(dW for dW, _, _ in _grads(*a, zero=False))[::-1],
        "layer_grad_norms returns norms in reverse order (backward events arrive from the output"
        " side first) that also include gradients left over from an earlier step (call"
        " net.zero_grad() first).",
    ),
    Mistake(
        "scale",
        lambda *a: layer_grad_norms(*a) ** 2,
        "layer_grad_norms returns the squares of the norms: take the square root (np.linalg.norm"
        " does it for you).",
    ),
    Mistake(
        "wrong_values",
        lambda *a: np.array([np.sqrt(np.sum(dW**2) + np.sum(db**2)) for dW, db, _ in _grads(*a)]),
        "layer_grad_norms returns the norm of dW and db together: record ||dW|| only"
        ' (event.data["dW"]).',
    ),
    Mistake(
        "wrong_values",
        lambda *a: _norms(dZ for _, _, dZ in _grads(*a)),
        "layer_grad_norms returns the norms of the gradient flowing into each Linear layer's"
        ' output (grad_output, dZ), not of its weights\' gradient: use event.data["dW"].',
    ),
    Mistake(
        "mutates_input",
        _stepped,
        "layer_grad_norms changed the network's weights. Only measure: forward, loss, backward,"
        " and no optimiser step.",
    ),
    Mistake(
        "mutates_input",
        lambda net, *a: (
            net.add_hook(lambda event: None, stages="backward"),
            layer_grad_norms(net, *a),
        )[1],
        "layer_grad_norms left its hook attached to the network, so it keeps running on every"
        " later pass. Keep the handle that net.add_hook returns and call handle.remove() at the"
        " end.",
    ),
    Mistake(
        "wrong_shape",
        lambda net, *a: np.zeros(len(net.layers)),
        "layer_grad_norms should return one norm per Linear layer; yours has one number per"
        " layer, activations included: only Linear layers have a dW.",
        shape_only=True,
    ),
    Mistake(
        "wrong_shape",
        lambda *a: np.zeros(2 * len(layer_grad_norms(*a))),
        "layer_grad_norms should return one norm per Linear layer; yours has two numbers per"
        " Linear layer: keep ||dW|| only. (Or was a hook left attached from an earlier call?)",
        shape_only=True,
    ),
]


def _key_error_hint(error):
    if error["type"] == "KeyError" and "dW" in (error["message"] or ""):
        return '(dW: only the events of Linear layers have it; check "dW" in event.data first.)'
    return ""


# ---------------------------------------------------------------- decay_rate


def _decay_cases(rng):
    cases = []
    for factor, L, noise in (
        (0.23, 10, 0.3),
        (0.94, 10, 0.1),
        (1.7, 10, 0.2),
        (0.5, 5, 0.4),
        (0.8, 20, 0.25),
        (1.0, 6, 0.3),
        (0.3, 10, 0.0),
    ):
        layer = np.arange(1, L + 1)
        norms = 2.0 * factor ** (L - layer) * np.exp(noise * rng.normal(size=L))
        cases.append(Case((norms,), note=f"{L} layers"))
    cases.append(Case((np.geomspace(1e-7, 1.0, 10).astype(np.float32),), note="float32 norms"))
    return cases


def _slope(norms):
    """The slope s of the least-squares line through log ||dW_l|| (decay_rate is exp(-s))."""
    return -np.log(decay_rate(norms))


_SLOPE_HINT = (
    "Your answer looks like the slope of the straight line (a logarithm), not the factor it stands"
    " for. If log ||dW|| changes by s per layer, the norm is multiplied by exp(s) (or 10**s for"
    " log10)."
)

EXERCISES = [
    FunctionExercise(
        "layer_grad_norms",
        title="Record each layer's gradient norm with a hook",
        points=2,
        args=("net", "loss", "X", "Y"),
        outputs=("norms", Output("weights_changed", "float"), Output("hook_left", "float")),
        signature="layer_grad_norms(net, loss, X, Y) -> norms",
        reference=layer_grad_norms,
        cases=lambda rng: NORM_CASES,
        observe=_observe,
        mistakes=NORM_MISTAKES,
        sizes=lambda *args: [],
        rtol={np.float64: RTOL},
        error_hint=_key_error_hint,
        passed=f"Right on all {len(NORM_CASES)} test networks, hook removed, weights unchanged.",
    ),
    FunctionExercise(
        "decay_rate",
        title="Fit the factor per layer",
        points=1,
        args=("norms",),
        outputs=Output("factor", "float"),
        reference=decay_rate,
        cases=_decay_cases,
        sizes=lambda norms: [],
        mistakes=[
            Mistake(
                "sign",
                lambda n: float(np.exp(_slope(n))),
                "Your factor is the reciprocal of the expected one: you measured how the norm grows"
                " from the input towards the output. The gradient travels the other way, from the"
                " last layer back to the first; the factor per layer in that direction is below 1"
                " when gradients vanish.",
            ),
            Mistake("wrong_values", lambda n: float(-_slope(n)), _SLOPE_HINT),
            Mistake("wrong_values", lambda n: float(_slope(n)), _SLOPE_HINT),
            Mistake("wrong_values", lambda n: float(-_slope(n) / np.log(10)), _SLOPE_HINT),
            Mistake("wrong_values", lambda n: float(_slope(n) / np.log(10)), _SLOPE_HINT),
            Mistake(
                "wrong_values",
                lambda n: float(np.exp(-np.polyfit(np.arange(1, len(n) + 1), n, 1)[0])),
                "The line was fitted to ||dW|| itself. Fit it to log ||dW||: on a log axis the "
                "points lie on a straight line, on a linear axis they do not.",
            ),
            Mistake(
                "wrong_values",
                lambda n: float((np.float64(n[0]) / np.float64(n[-1])) ** (1.0 / (len(n) - 1))),
                "Your answer uses only the first and the last layer. Fit a straight line through"
                " all the layers (least squares, e.g. np.polyfit) so that one noisy layer does not"
                " decide the answer.",
            ),
        ],
    ),
]
