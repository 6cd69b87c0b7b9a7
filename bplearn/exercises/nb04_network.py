"""Notebook 04's loop over the layers: ``network_backward(layers, dY_hat) -> dX``.

A network's forward pass leaves one *step* per layer (``record_steps``).  Each step knows only its
own piece of the chain rule:

    step.backward(d_out) -> (d_in, grads)   d_out: dL/d(output of this layer), d_in: dL/d(its
    input),
                                            grads: [dL/dp for p in step.params], from this pass
                                            alone
    step.params                             the layer's Parameters (.value, .grad); possibly shared

The learner's ``network_backward`` calls the steps from the last to the first, hands each the
gradient the step after it returned, ADDS each step's grads to its parameters' ``.grad`` (a
parameter used by two steps, or a gradient kept from an earlier batch, must add up), and returns
dL/dX.

The check runs three networks: a plain one, one whose ``.grad`` already holds a gradient, and one
that uses the same weights in two layers.  It records which steps were called, in what order and
with what, and says which of these went wrong: the order, the gradient handed on, the accumulation,
the return value.
"""

import numpy as np

from ..layers import Parameter, sigmoid, sigmoid_backward, tanh, tanh_backward
from ..network import Sequential
from .base import CustomExercise
from .evidence import describe, describe_error, error_data, to_data
from .result import Verdict

RTOL = 1e-9


class LinearStep:
    """Z = X @ W + b after its forward pass (X cached).  backward(dZ) -> (dX, [dW, db])."""

    def __init__(self, W, b, X):
        self.params, self.X = [W, b], X
        self.out_shape = (X.shape[0], W.value.shape[1])
        self.calls = None  # set by the check to record the calls

    def __repr__(self):
        W = self.params[0].value
        return f"LinearStep({W.shape[0]}→{W.shape[1]})"

    def backward(self, d_out):
        _log(self, d_out)
        W = self.params[0].value
        return d_out @ W.T, [self.X.T @ d_out, d_out.sum(axis=0)]


class ActivationStep:
    """A = f(Z) after its forward pass (Z cached).  backward(dA) -> (dZ, []): no parameters."""

    def __init__(self, name, f_backward, Z):
        self.name, self.f_backward, self.Z = name, f_backward, Z
        self.params, self.out_shape, self.calls = [], Z.shape, None

    def __repr__(self):
        return f"ActivationStep({self.name})"

    def backward(self, d_out):
        _log(self, d_out)
        return self.f_backward(d_out, self.Z), []


def _log(step, d_out):
    if step.calls is not None:
        step.calls.append((step.index, np.array(d_out, dtype=np.float64, copy=True)))
    if np.shape(d_out) != step.out_shape:
        raise ValueError(
            f"{step!r}.backward expects d_out of shape {step.out_shape} (the shape of its output), "
            f"got shape {np.shape(d_out)}"
        )


_ACTIVATIONS = {"tanh": (tanh, tanh_backward), "sigmoid": (sigmoid, sigmoid_backward)}


def record_steps(X, layers):
    """Run a forward pass and return (Y_hat, steps).

    ``layers`` is a list of ``(W, b)`` pairs of Parameters and activation names ("tanh", "sigmoid"):
    ``[(W1, b1), "tanh", (W2, b2)]``.  The same Parameters may appear twice (shared weights).
    """
    steps, A = [], np.asarray(X, dtype=np.float64)
    for layer in layers:
        if isinstance(layer, str):
            f, f_backward = _ACTIVATIONS[layer]
            steps.append(ActivationStep(layer, f_backward, A))
            A = f(A)
        else:
            W, b = layer
            steps.append(LinearStep(W, b, A))
            A = A @ W.value + b.value
    for i, step in enumerate(steps):
        step.index = i
    return A, steps


def network_backward(layers, dY_hat):
    """dL/dX of a network whose forward pass left ``layers`` (a list of steps); adds every dL/dp to
    p.grad."""
    d = dY_hat
    for layer in reversed(layers):
        d, grads = layer.backward(d)
        for p, g in zip(layer.params, grads):
            p.grad += g
    return d


# ---------------------------------------------------------------- the check


def _param(rng, shape, name):
    return Parameter(rng.standard_normal(shape) / np.sqrt(shape[0]), name)


def _cases():
    """[(note, X, layers, params, dY_hat, prefilled)]: three networks, built the same way
    everywhere."""
    rng = np.random.default_rng(404)
    cases = []
    # 1. a plain two-layer network, gradients start at zero
    W1, b1, W2, b2 = (
        _param(rng, (3, 4), "W1"),
        _param(rng, (4,), "b1"),
        _param(rng, (4, 2), "W2"),
        _param(rng, (2,), "b2"),
    )
    cases.append(
        (
            "a network Linear(3→4), tanh, Linear(4→2)",
            rng.standard_normal((5, 3)),
            [(W1, b1), "tanh", (W2, b2)],
            [W1, b1, W2, b2],
            False,
        )
    )
    # 2. three layers whose .grad already holds a gradient (from an earlier batch)
    P = [
        _param(rng, (2, 3), "W1"),
        _param(rng, (3,), "b1"),
        _param(rng, (3, 3), "W2"),
        _param(rng, (3,), "b2"),
        _param(rng, (3, 2), "W3"),
        _param(rng, (2,), "b3"),
    ]
    cases.append(
        (
            "a network whose parameters' .grad already holds an earlier batch's gradient",
            rng.standard_normal((4, 2)),
            [(P[0], P[1]), "sigmoid", (P[2], P[3]), "tanh", (P[4], P[5])],
            P,
            True,
        )
    )
    # 3. the same weights used by two layers
    Ws, bs, Wo, bo = (
        _param(rng, (3, 3), "W"),
        _param(rng, (3,), "b"),
        _param(rng, (3, 2), "W_out"),
        _param(rng, (2,), "b_out"),
    )
    cases.append(
        (
            "a network that uses the same W and b in two layers",
            rng.standard_normal((6, 3)),
            [(Ws, bs), "tanh", (Ws, bs), "tanh", (Wo, bo)],
            [Ws, bs, Wo, bo],
            False,
        )
    )
    built = []
    for note, X, layers, params, prefilled in cases:
        for p in params:
            p.grad = rng.standard_normal(p.value.shape) if prefilled else np.zeros_like(p.value)
        Y_hat, steps = record_steps(X, layers)
        dY_hat = rng.standard_normal(Y_hat.shape)
        built.append(
            {
                "note": note,
                "steps": steps,
                "params": params,
                "dY_hat": dY_hat,
                "grad0": [p.grad.copy() for p in params],
            }
        )
    return built


def _run(answer):
    """Evidence for every case: the calls the steps saw, what came back, every .grad afterwards."""
    records = []
    for case in _cases():
        calls = []
        for step in case["steps"]:
            step.calls = calls
        dY_hat = case["dY_hat"].copy()
        record = {}
        try:
            record["out"] = to_data(answer(case["steps"], dY_hat))
        except NotImplementedError:
            return {"not_implemented": True}
        except Exception as exc:
            record["error"] = error_data(exc)
        record["order"] = [i for i, _ in calls]
        record["received"] = [d for _, d in calls]
        record["grads"] = [to_data(p.grad) for p in case["params"]]
        records.append(record)
    return records


def _collect(answer):
    records = _run(answer)
    if isinstance(records, dict):
        raise NotImplementedError
    return records


def _same(a, b):
    return (
        isinstance(a, np.ndarray) and a.shape == b.shape and np.allclose(a, b, rtol=RTOL, atol=RTOL)
    )


def _judge(records):
    expected = _run(network_backward)
    for case, got, exp in zip(_cases(), records, expected):
        n = len(case["steps"])
        where = f" (for {case['note']})"
        order = list(got["order"])
        if order and order[0] == 0 and n > 1:
            return Verdict(
                False,
                "wrong_values",
                "The steps ran in the forward order: the first layer's backward was called first."
                " The backward pass starts at the loss, so call the LAST layer's backward first"
                f" and work back to the first{where}.",
            )
        if len(order) >= 2 and all(_same(d, case["dY_hat"]) for d in got["received"][1:]):
            return Verdict(
                False,
                "wrong_values",
                "Every layer received dY_hat: the gradient is not passed on. Each layer's backward"
                f" returns the gradient for its input; hand THAT to the layer before it{where}.",
            )
        if "error" in got:
            return Verdict(
                False, "error", f"network_backward raised {describe_error(got['error'])}{where}."
            )
        if order != exp["order"]:
            called = ", ".join(map(str, order)) or "none"
            return Verdict(
                False,
                "wrong_values",
                f"Each layer's backward should run once, from the last layer ({n - 1}) "
                f"to the first (0); yours called {called}{where}.",
            )
        out = got["out"]
        if not isinstance(out, np.ndarray) or out.shape != exp["out"].shape:
            return Verdict(
                False,
                "wrong_shape",
                "network_backward should return dL/dX, an array of shape "
                f"{exp['out'].shape} (the gradient the first layer returns); it returned "
                f"{describe(out)}{where}.",
            )
        if not np.allclose(out, exp["out"], rtol=RTOL, atol=RTOL):
            return Verdict(
                False,
                "wrong_values",
                "The returned array is not dL/dX: return the gradient that the first "
                f"layer's backward gives back{where}.",
            )
        for p, g, e, g0 in zip(case["params"], got["grads"], exp["grads"], case["grad0"]):
            if not isinstance(g, np.ndarray) or g.shape != e.shape:
                return Verdict(
                    False,
                    "wrong_shape",
                    f"{p.name}.grad should keep the shape {e.shape} of {p.name}; "
                    f"it is {describe(g)}{where}.",
                )
            if np.allclose(g, e, rtol=RTOL, atol=RTOL):
                continue
            if np.allclose(g, g0, rtol=RTOL, atol=RTOL):
                return Verdict(
                    False,
                    "wrong_values",
                    f"{p.name}.grad did not change: add each step's grads to its "
                    f"parameters' .grad{where}.",
                )
            if np.allclose(g, 2 * g0 - e, rtol=RTOL, atol=RTOL):
                return Verdict(
                    False,
                    "sign",
                    f"{p.name}.grad went down by this pass's gradient instead of up: the gradient"
                    " was subtracted (p.grad -= g). Accumulating adds; the step that subtracts"
                    f" comes later, in the optimiser (notebook 05){where}.",
                )
            return Verdict(
                False,
                "wrong_values",
                f"{p.name}.grad is not the sum of what it held and this pass's gradients: it looks"
                " overwritten instead of accumulated. Use p.grad += g, so that a parameter used by"
                f" two layers, or a gradient kept from an earlier batch, adds up{where}.",
            )
    return Verdict(
        True,
        "passed",
        f"Right on all {len(records)} networks (one with shared weights, one with "
        "gradients already in .grad).",
    )


NETWORK_BACKWARD = CustomExercise(
    "network_backward",
    title="The backward pass of a whole network, layer by layer",
    points=2,
    signature="network_backward(layers, dY_hat) -> dX",
    collect=_collect,
    judge=_judge,
    reference=network_backward,
    may_not_use=(Sequential.backward,),
)

EXERCISES = [NETWORK_BACKWARD]
