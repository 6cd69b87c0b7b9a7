"""Notebook 07's exercises: watching gradients with a hook, and measuring how fast they vanish.

    layer_grad_norms(net, loss, X, Y) -> norms     ||dW|| of every Linear layer, input side first
    decay_rate(norms) -> factor                     the factor per layer, from a straight-line fit

Each check runs the learner's answer in ``collect`` (which returns plain data only) and compares it
with the references below in ``judge``, which never runs learner code.
"""

from dataclasses import dataclass

import numpy as np

from .. import Recorder
from ..init import normal
from ..losses import CrossEntropyLoss, MSELoss
from ..network import MLP
from .base import CustomExercise
from .cases import Case
from .diagnose import Trial, explain, failures
from .evidence import describe
from .function_exercise import FunctionExercise, Mistake, Output
from .outputs import Leaf
from .result import Verdict

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

# Each case: a network, a loss and a batch, rebuilt identically in collect and in judge.
_NORM_CASES = (
    dict(
        sizes=[16, 32, 32, 32, 32, 1],
        activation="sigmoid",
        init="xavier",
        seed=0,
        n=64,
        task="mse",
        dirty=False,
    ),
    dict(
        sizes=[5, 8, 8, 8, 3], activation="tanh", init="normal", seed=1, n=20, task="ce", dirty=True
    ),
    dict(sizes=[4, 6, 2], activation="relu", init="he", seed=2, n=9, task="mse", dirty=True),
)


def _norm_case(spec):
    """(net, loss, X, Y) for one case, the same every time."""
    init = normal(1.0) if spec["init"] == "normal" else spec["init"]
    net = MLP(spec["sizes"], activation=spec["activation"], init=init, seed=spec["seed"])
    rng = np.random.default_rng(100 + spec["seed"])
    X = rng.normal(size=(spec["n"], spec["sizes"][0]))
    if spec["task"] == "ce":
        loss, Y = CrossEntropyLoss(), rng.integers(0, spec["sizes"][-1], size=spec["n"])
    else:
        loss, Y = MSELoss(), rng.normal(size=(spec["n"], spec["sizes"][-1]))
    if spec["dirty"]:  # gradients left over from an earlier step
        for p in net.parameters():
            p.grad = rng.normal(size=p.value.shape)
    return net, loss, X, Y


def _collect_norms(answer):
    calls = []
    for spec in _NORM_CASES:
        net, loss, X, Y = _norm_case(spec)
        before = [p.value.copy() for p in net.parameters()]
        try:
            out = answer(net, loss, X, Y)
        except KeyError as exc:
            # the most common slip: activation layers' events have no "dW"
            if exc.args == ("dW",):
                exc.args = (
                    'dW (only the events of Linear layers have it: check "dW" in event.data first)',
                )
            raise
        if out is None:
            raise NotImplementedError
        calls.append(
            {
                "out": np.asarray(out, dtype=np.float64) if _numeric(out) else out,
                "hook_left": net.has_hooks(),
                "params_changed": any(
                    not np.array_equal(b, p.value) for b, p in zip(before, net.parameters())
                ),
            }
        )
    return calls


def _numeric(value):
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except Exception:
        return False


@dataclass
class _Run:
    """What the reference records on one case, from which every mistake's answer is computed."""

    dW: list  # per Linear layer, input side first
    db: list
    dZ: list  # the gradient flowing into each Linear layer's output
    left_over: list  # dW + the gradient left over from an earlier step
    n_layers: int


def _reference_run(spec):
    net, loss, X, Y = _norm_case(spec)
    dirty = [p.grad.copy() for p in net.parameters()]
    rec = Recorder()
    with net.add_hook(rec, stages=("forward", "backward")):
        net.zero_grad()
        loss.forward(net.forward(X), Y)
        net.backward(loss.backward())
    lin = net.linear_indices()
    dW = [net.layers[i].W.grad for i in lin]
    left_over = [g + d for g, d in zip(dW, dirty[0::2])] if spec["dirty"] else dW
    return _Run(
        dW,
        [net.layers[i].b.grad for i in lin],
        [rec.last_grads[i] for i in lin],
        left_over,
        len(net.layers),
    )


def _norms(arrays):
    return np.array([np.linalg.norm(a) for a in arrays])


NORMS = Leaf(0, "norms")
_NORM_MISTAKES = [
    Mistake(
        "wrong_values",
        lambda r: _norms(r.dW)[::-1],
        "layer_grad_norms returns the right norms in reverse order: backward events arrive from"
        " the output side first (layer L down to layer 1). Return them input side first, e.g."
        " sorted by event.index.",
    ),
    Mistake(
        "wrong_values",
        lambda r: _norms(r.left_over),
        "layer_grad_norms returns norms that include gradients left over from an earlier step:"
        " .grad accumulates, so reset it with net.zero_grad() before the backward pass.",
    ),
    Mistake(
        "wrong_values",
        lambda r: _norms(r.left_over)[::-1],
        "layer_grad_norms returns norms in reverse order (backward events arrive from the output"
        " side first) that also include gradients left over from an earlier step (call"
        " net.zero_grad() first).",
    ),
    Mistake(
        "scale",
        lambda r: _norms(r.dW) ** 2,
        "layer_grad_norms returns the squares of the norms: take the square root (np.linalg.norm"
        " does it for you).",
    ),
    Mistake(
        "wrong_values",
        lambda r: np.sqrt(_norms(r.dW) ** 2 + _norms(r.db) ** 2),
        "layer_grad_norms returns the norm of dW and db together: record ||dW|| only"
        ' (event.data["dW"]).',
    ),
    Mistake(
        "wrong_values",
        lambda r: _norms(r.dZ),
        "layer_grad_norms returns the norms of the gradient flowing into each Linear layer's"
        ' output (grad_output, dZ), not of its weights\' gradient: use event.data["dW"].',
    ),
]


def _where(spec, run):
    return (
        f"for an MLP {spec['sizes']} with {spec['activation']} "
        f"({len(run.dW)} Linear layers, {run.n_layers} layers in all)"
    )


def _judge_norms(calls):
    if not isinstance(calls, list) or len(calls) != len(_NORM_CASES):
        return Verdict(
            False, "wrong_values", "layer_grad_norms could not be run on every test network."
        )
    trials, wheres = [], []
    for spec, call in zip(_NORM_CASES, calls):
        run = _reference_run(spec)
        wheres.append(_where(spec, run))
        verdict = _wrong_kind(call, len(run.dW), run.n_layers, wheres[-1])
        if verdict:
            return verdict
        variants = [{NORMS: m.fn(run)} for m in _NORM_MISTAKES]
        trials.append(Trial({NORMS: _norms(run.dW)}, {NORMS: call["out"]}, RTOL, variants=variants))
    if not failures(trials):
        return Verdict(
            True,
            "passed",
            f"Right on all {len(_NORM_CASES)} test networks, hook removed, weights unchanged.",
        )
    verdict = explain(trials, _NORM_MISTAKES, name="layer_grad_norms", outputs=["norms"])
    if verdict:
        return verdict
    i = next(i for i, t in enumerate(trials) if t.differs(NORMS, t.expected[NORMS], t.got[NORMS]))
    out, ref = trials[i].got[NORMS], trials[i].expected[NORMS]
    k = int(np.argmax(np.abs(out - ref) / np.maximum(ref, 1e-300)))
    return Verdict(
        False,
        "wrong_values",
        f"layer_grad_norms {wheres[i]}: for Linear layer {k + 1} (counting from the input) yours"
        f" is {out[k]:.6g}, expected {ref[k]:.6g}.",
    )


def _wrong_kind(call, n_linear, n_layers, where):
    """A Verdict when the answer is not one finite norm per Linear layer, or it changed the
    network (its weights, or a hook left attached)."""
    out = call["out"]
    if not isinstance(out, np.ndarray):
        return Verdict(
            False,
            "wrong_shape",
            f"layer_grad_norms should return an array of numbers; it returned {describe(out)}.",
        )
    if out.ndim != 1 or out.size != n_linear:
        shape = f"shape {out.shape}" if out.ndim != 1 else f"{out.size} numbers"
        if out.size == n_layers:
            hint = (
                " You kept one number per layer, activations included: only Linear layers have"
                " a dW."
            )
        elif out.size == 2 * n_linear:
            hint = " You kept two numbers per Linear layer: keep ||dW|| only."
        elif out.size == 2 * n_layers or (out.size > n_linear and out.size % n_linear == 0):
            hint = (
                " Was a hook left attached from an earlier call, or did it record more than one"
                " pass?"
            )
        else:
            hint = ""
        return Verdict(
            False,
            "wrong_shape",
            f"layer_grad_norms should return {n_linear} norms (one per Linear "
            f"layer) {where}; yours has {shape}.{hint}",
        )
    if call["params_changed"]:
        return Verdict(
            False,
            "mutates_input",
            "layer_grad_norms changed the network's weights. Only measure: "
            "forward, loss, backward, and no optimiser step.",
        )
    if call["hook_left"]:
        return Verdict(
            False,
            "mutates_input",
            "layer_grad_norms left its hook attached to the network, so it "
            "keeps running on every later pass. Keep the handle that "
            "net.add_hook returns and call handle.remove() at the end.",
        )
    if not np.all(np.isfinite(out)):
        return Verdict(False, "wrong_values", f"layer_grad_norms returned nan or inf {where}.")
    return None


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
    CustomExercise(
        "layer_grad_norms",
        title="Record each layer's gradient norm with a hook",
        points=2,
        signature="layer_grad_norms(net, loss, X, Y) -> norms",
        reference=layer_grad_norms,
        collect=_collect_norms,
        judge=_judge_norms,
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
