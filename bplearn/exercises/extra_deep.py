"""Exercises of the deep-network notebooks (07 to 09): watching gradients with a hook, measuring how
fast they vanish, and the capstone's accuracy on held-out digits.

    layer_grad_norms(net, loss, X, Y) -> norms     ||dW|| of every Linear layer, input side first (07)
    decay_rate(norms) -> factor                     the factor per layer, from a straight-line fit (07)
    capstone_accuracy(net)                          test accuracy >= 0.95 on the held-out digits (09)

Each check runs the learner's answer in ``collect`` (which returns plain data only) and compares it
with the references below in ``judge``, which never runs learner code.
"""
import numpy as np

from .function_exercise import Case, FunctionExercise, Mistake
from .registry import CustomExercise, register
from .result import Verdict


# ---------------------------------------------------------------- references

def layer_grad_norms(net, loss, X, Y):
    """||dW|| of every Linear layer of ``net`` for the batch (X, Y), input side first, as an array (L,).

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
    dict(sizes=[16, 32, 32, 32, 32, 1], activation="sigmoid", init="xavier", seed=0, n=64, task="mse", dirty=False),
    dict(sizes=[5, 8, 8, 8, 3], activation="tanh", init="normal", seed=1, n=20, task="ce", dirty=True),
    dict(sizes=[4, 6, 2], activation="relu", init="he", seed=2, n=9, task="mse", dirty=True),
)


def _norm_case(spec):
    """(net, loss, X, Y) for one case, the same every time."""
    from ..init import normal
    from ..losses import CrossEntropyLoss, MSELoss
    from ..network import MLP
    init = normal(1.0) if spec["init"] == "normal" else spec["init"]
    net = MLP(spec["sizes"], activation=spec["activation"], init=init, seed=spec["seed"])
    rng = np.random.default_rng(100 + spec["seed"])
    X = rng.normal(size=(spec["n"], spec["sizes"][0]))
    if spec["task"] == "ce":
        loss, Y = CrossEntropyLoss(), rng.integers(0, spec["sizes"][-1], size=spec["n"])
    else:
        loss, Y = MSELoss(), rng.normal(size=(spec["n"], spec["sizes"][-1]))
    if spec["dirty"]:                      # gradients left over from an earlier step
        for p in net.parameters():
            p.grad = rng.normal(size=p.value.shape)
    return net, loss, X, Y


def _collect_norms(answer):
    calls = []
    for spec in _NORM_CASES:
        net, loss, X, Y = _norm_case(spec)
        before = [p.value.copy() for p in net.parameters()]
        hooks_before = len(net._hooks)
        try:
            out = answer(net, loss, X, Y)
        except KeyError as exc:
            if exc.args == ("dW",):        # the most common slip: activation layers' events have no "dW"
                exc.args = ("dW (only the events of Linear layers have it: check \"dW\" in event.data first)",)
            raise
        if out is None:
            raise NotImplementedError
        calls.append({
            "out": np.asarray(out, dtype=np.float64) if _numeric(out) else out,
            "hooks_left": len(net._hooks) - hooks_before,
            "params_changed": any(not np.array_equal(b, p.value) for b, p in zip(before, net.parameters())),
        })
    return calls


def _numeric(value):
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except Exception:
        return False


def _norm_variants(spec):
    """{name: norms} the reference and the common mistakes give for one case."""
    from ..recorder import Recorder
    net, loss, X, Y = _norm_case(spec)
    dirty = {i: (p.grad.copy()) for i, p in enumerate(net.parameters())}
    rec = Recorder()
    handle = net.add_hook(rec, stages=("forward", "backward"))
    net.zero_grad()
    loss.forward(net.forward(X), Y)
    net.backward(loss.backward())
    handle.remove()
    lin = net.linear_indices()
    dW = [net.layers[i].W.grad for i in lin]
    db = [net.layers[i].b.grad for i in lin]
    norms = np.array([np.linalg.norm(g) for g in dW])
    out = {"reference": norms, "reversed": norms[::-1], "squared": norms ** 2,
           "with_bias": np.sqrt(norms ** 2 + np.array([np.sum(g * g) for g in db])),
           "dZ": np.array([np.linalg.norm(rec.last_grads[i]) for i in lin])}
    if spec["dirty"]:
        params = net.parameters()
        out["not_zeroed"] = np.array([np.linalg.norm(params[2 * k].grad + dirty[2 * k]) for k in range(len(lin))])
        out["not_zeroed_reversed"] = out["not_zeroed"][::-1]
    return out, len(net.layers), len(lin)


_NORM_MISTAKES = {
    "reversed": "the right norms in reverse order: backward events arrive from the output side first "
                "(layer L down to layer 1). Return them input side first, e.g. sorted by event.index.",
    "not_zeroed": "norms that include gradients left over from an earlier step: .grad accumulates, so reset it "
                  "with net.zero_grad() before the backward pass.",
    "not_zeroed_reversed": "norms in reverse order (backward events arrive from the output side first) that also "
                           "include gradients left over from an earlier step (call net.zero_grad() first).",
    "squared": "the squares of the norms: take the square root (np.linalg.norm does it for you).",
    "with_bias": "the norm of dW and db together: record ||dW|| only (event.data[\"dW\"]).",
    "dZ": "the norms of the gradient flowing into each Linear layer's output (grad_output, dZ), not of its "
          "weights' gradient: use event.data[\"dW\"].",
}


def _judge_norms(calls):
    if not isinstance(calls, list) or len(calls) != len(_NORM_CASES):
        return Verdict(False, "wrong_values", "layer_grad_norms could not be run on every test network.")
    for spec, call in zip(_NORM_CASES, calls):
        out = call["out"]
        variants, n_layers, n_linear = _norm_variants(spec)
        where = (f"for an MLP {spec['sizes']} with {spec['activation']} "
                 f"({n_linear} Linear layers, {n_layers} layers in all)")
        if not isinstance(out, np.ndarray):
            return Verdict(False, "wrong_shape", f"layer_grad_norms should return an array of numbers; it returned "
                                                 f"{_describe(out)}.")
        if out.ndim != 1 or out.size != n_linear:
            shape = f"shape {out.shape}" if out.ndim != 1 else f"{out.size} numbers"
            if out.size == n_layers:
                hint = " You kept one number per layer, activations included: only Linear layers have a dW."
            elif out.size == 2 * n_linear:
                hint = " You kept two numbers per Linear layer: keep ||dW|| only."
            elif out.size == 2 * n_layers or (out.size > n_linear and out.size % n_linear == 0):
                hint = " Was a hook left attached from an earlier call, or did it record more than one pass?"
            else:
                hint = ""
            return Verdict(False, "wrong_shape", f"layer_grad_norms should return {n_linear} norms (one per Linear "
                                                 f"layer) {where}; yours has {shape}.{hint}")
        if call["params_changed"]:
            return Verdict(False, "mutates_input", "layer_grad_norms changed the network's weights. Only measure: "
                                                   "forward, loss, backward, and no optimiser step.")
        if call["hooks_left"] > 0:
            return Verdict(False, "mutates_input", "layer_grad_norms left its hook attached to the network, so it "
                                                   "keeps running on every later pass. Keep the handle that "
                                                   "net.add_hook returns and call handle.remove() at the end.")
        if not np.all(np.isfinite(out)):
            return Verdict(False, "wrong_values", f"layer_grad_norms returned nan or inf {where}.")
        ref = variants["reference"]
        if _close(out, ref):
            continue
        for name, message in _NORM_MISTAKES.items():
            if name in variants and _close(out, variants[name]):
                code = "scale" if name == "squared" else "wrong_values"
                return Verdict(False, code, f"layer_grad_norms returns {message}")
        k = int(np.argmax(np.abs(out - ref) / np.maximum(ref, 1e-300)))
        return Verdict(False, "wrong_values", f"layer_grad_norms {where}: for Linear layer {k + 1} (counting from the "
                                              f"input) yours is {out[k]:.6g}, expected {ref[k]:.6g}.")
    return Verdict(True, "passed", f"Right on all {len(_NORM_CASES)} test networks, hook removed, weights unchanged.")


def _close(a, b, rtol=1e-6):
    return a.shape == b.shape and np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(b), 1e-300))


def _describe(value):
    from .evidence import describe
    return describe(value)


register(CustomExercise(
    "layer_grad_norms", title="Record each layer's gradient norm with a hook", points=2,
    signature="layer_grad_norms(net, loss, X, Y) -> norms", reference=layer_grad_norms,
    collect=_collect_norms, judge=_judge_norms))


# ---------------------------------------------------------------- decay_rate

def _decay_cases(rng):
    cases = []
    for factor, L, noise in ((0.23, 10, 0.3), (0.94, 10, 0.1), (1.7, 10, 0.2), (0.5, 5, 0.4), (0.8, 20, 0.25),
                             (1.0, 6, 0.3), (0.3, 10, 0.0)):
        layer = np.arange(1, L + 1)
        norms = 2.0 * factor ** (L - layer) * np.exp(noise * rng.normal(size=L))
        cases.append(Case((norms,), note=f"{L} layers"))
    cases.append(Case((np.geomspace(1e-7, 1.0, 10).astype(np.float32),), note="float32 norms"))
    return cases


def _slope(norms):
    return np.polyfit(np.arange(1, len(norms) + 1), np.log(np.asarray(norms, dtype=np.float64)), 1)[0]


_SLOPE_HINT = ("Your answer looks like the slope of the straight line (a logarithm), not the factor it stands for. "
               "If log ||dW|| changes by s per layer, the norm is multiplied by exp(s) (or 10**s for log10).")

register(FunctionExercise(
    "decay_rate", title="Fit the factor per layer", points=1,
    args=("norms",), outputs="factor:float", reference=decay_rate, cases=_decay_cases,
    sizes=lambda norms: [],
    mistakes=[
        Mistake("sign", lambda n: float(np.exp(_slope(n))),
                "Your factor is the reciprocal of the expected one: you measured how the norm grows from the "
                "input towards the output. The gradient travels the other way, from the last layer back to the "
                "first; the factor per layer in that direction is below 1 when gradients vanish."),
        Mistake("wrong_values", lambda n: float(-_slope(n)), _SLOPE_HINT),
        Mistake("wrong_values", lambda n: float(_slope(n)), _SLOPE_HINT),
        Mistake("wrong_values", lambda n: float(-_slope(n) / np.log(10)), _SLOPE_HINT),
        Mistake("wrong_values", lambda n: float(_slope(n) / np.log(10)), _SLOPE_HINT),
        Mistake("wrong_values", lambda n: float(np.exp(-np.polyfit(np.arange(1, len(n) + 1), n, 1)[0])),
                "The line was fitted to ||dW|| itself. Fit it to log ||dW||: on a log axis the "
                "points lie on a straight line, on a linear axis they do not."),
        Mistake("wrong_values",
                lambda n: float((np.float64(n[0]) / np.float64(n[-1])) ** (1.0 / (len(n) - 1))),
                "Your answer uses only the first and the last layer. Fit a straight line through all the layers "
                "(least squares, e.g. np.polyfit) so that one noisy layer does not decide the answer."),
    ]))


# ---------------------------------------------------------------- capstone: the learner's own layers

def _capstone_references():
    """bplearn's versions of the capstone's classes, with the capstone's constructor signatures."""
    from ..layers import Linear, ReLU
    from ..optim import Adam

    class CapstoneLinear(Linear):
        """bplearn's Linear with He initialisation, built as Linear(n_in, n_out, rng)."""

        def __init__(self, n_in, n_out, rng):
            super().__init__(n_in, n_out, init="he", rng=rng)

    CapstoneLinear.__name__ = CapstoneLinear.__qualname__ = "Linear"   # shown as bplearn's Linear in messages
    return CapstoneLinear, ReLU, Adam


CapstoneLinear, CapstoneReLU, CapstoneAdam = _capstone_references()


def _is_library_class(cls):
    return isinstance(getattr(cls, "__module__", None), str) and cls.__module__.split(".")[0] == "bplearn"


def _not_a_class(answer, what):
    if not isinstance(answer, type):
        raise TypeError(f"pass your class {what} itself (not an instance or a function)")


_LINEAR_CASES = ((5, 3, 4, 0), (7, 6, 2, 1), (1, 2, 3, 2))


def _linear_case(n, n_in, n_out, seed):
    rng = np.random.default_rng(50 + seed)
    return rng.normal(size=(n_in, n_out)), rng.normal(size=n_out), rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))


def _collect_linear(cls):
    from ..layers import Parameter
    _not_a_class(cls, "Linear")
    out = {"library": _is_library_class(cls), "cases": []}
    for n, n_in, n_out, seed in _LINEAR_CASES:
        layer = cls(n_in, n_out, np.random.default_rng(seed))
        W, b, X, dZ = _linear_case(n, n_in, n_out, seed)
        record = {"W_shape": tuple(np.shape(getattr(getattr(layer, "W", None), "value", None))),
                  "b_shape": tuple(np.shape(getattr(getattr(layer, "b", None), "value", None))),
                  "sizes": (getattr(layer, "n_in", None), getattr(layer, "n_out", None))}
        params = list(layer.parameters())
        record["params_ok"] = (len(params) == 2 and all(isinstance(p, Parameter) for p in params)
                               and params[0] is getattr(layer, "W", None) and params[1] is getattr(layer, "b", None))
        if not record["params_ok"] or record["W_shape"] != (n_in, n_out) or record["b_shape"] != (n_out,):
            out["cases"].append(record)
            break
        layer.W.value, layer.b.value = W.copy(), b.copy()
        layer.W.grad, layer.b.grad = np.zeros_like(W), np.zeros_like(b)
        record["Z"] = layer.forward(X.copy())
        record["dX"] = layer.backward(dZ.copy())
        record["dW"], record["db"] = np.array(layer.W.grad), np.array(layer.b.grad)
        layer.backward(dZ.copy())
        record["dW2"], record["db2"] = np.array(layer.W.grad), np.array(layer.b.grad)
        out["cases"].append(record)
    big = cls(400, 300, np.random.default_rng(7))
    out["init"] = (float(np.mean(big.W.value)), float(np.var(big.W.value)), float(np.max(np.abs(big.b.value))))
    return out


def _compare(name, got, expected, what, n=None):
    """None when right, else a Verdict saying how ``got`` differs from ``expected``."""
    if not isinstance(got, np.ndarray) or got.dtype.kind not in "biuf":
        return Verdict(False, "wrong_shape", f"{what} should return {name} as an array; it returned {_describe(got)}.")
    if got.shape != expected.shape:
        if got.shape == expected.shape[::-1] and np.allclose(got.T, expected):
            return Verdict(False, "transposed", f"{what}: {name} holds the right numbers but transposed "
                                                f"(shape {got.shape}, expected {expected.shape}).")
        return Verdict(False, "wrong_shape", f"{what}: {name} has shape {got.shape}, expected {expected.shape}.")
    if np.allclose(got, expected, rtol=1e-6, atol=1e-9):
        return None
    if np.allclose(got, -expected, rtol=1e-6, atol=1e-9):
        return Verdict(False, "sign", f"{what}: {name} has the opposite sign everywhere.")
    denom = float(np.sum(expected * expected))
    ratio = float(np.sum(got * expected)) / denom if denom else 0.0
    if denom and np.allclose(got, ratio * expected, rtol=1e-6, atol=1e-9):
        hint = ""
        if n and n > 1 and abs(ratio * n - 1) < 1e-6:
            hint = (f" That is 1/N (N = {n}, the batch size): the loss already averages over the batch, so dZ "
                    "carries the 1/N; do not divide again.")
        elif n and n > 1 and abs(ratio / n - 1) < 1e-6:
            hint = f" That is N (N = {n}, the batch size)."
        return Verdict(False, "scale", f"{what}: {name} is {ratio:.3g} times the expected value everywhere.{hint}")
    return Verdict(False, "wrong_values", f"{what}: {name} has the right shape but wrong values.")


def _judge_linear(data):
    if data["library"]:
        return Verdict(False, "not_implemented", "This is bplearn's Linear, not yours: write the class yourself.")
    for (n, n_in, n_out, seed), case in zip(_LINEAR_CASES, data["cases"]):
        where = f"Linear({n_in}, {n_out}, rng) with a batch of {n}"
        if not case["params_ok"]:
            return Verdict(False, "wrong_values", f"{where}: parameters() should return [self.W, self.b], two "
                                                  "Parameters (keep the constructor as it was given).")
        if case["W_shape"] != (n_in, n_out) or case["b_shape"] != (n_out,):
            return Verdict(False, "wrong_shape", f"{where}: W has shape {case['W_shape']} and b {case['b_shape']}; "
                                                 f"expected {(n_in, n_out)} and {(n_out,)}.")
        if tuple(case["sizes"]) != (n_in, n_out):
            return Verdict(False, "wrong_values", f"{where}: set self.n_in and self.n_out (bplearn's tools read "
                                                  "them), as the constructor that was given does.")
        W, b, X, dZ = _linear_case(n, n_in, n_out, seed)
        for name, got, expected, what in (
                ("Z", case["Z"], X @ W + b, "forward"),
                ("dX", case["dX"], dZ @ W.T, "backward's return value"),
                ("W.grad", case["dW"], X.T @ dZ, "backward"),
                ("b.grad", case["db"], dZ.sum(axis=0), "backward")):
            verdict = _compare(name, got, expected, f"{where}, {what}", n=n)
            if verdict is not None:
                if name == "b.grad" and isinstance(got, np.ndarray) and got.shape != expected.shape:
                    verdict = Verdict(False, "wrong_axis", f"{where}: b.grad has shape {got.shape}, expected "
                                                           f"{expected.shape}: sum dZ over the batch (axis 0).")
                return verdict
        if np.allclose(case["dW2"], case["dW"]) or np.allclose(case["db2"], case["db"]):
            return Verdict(False, "wrong_values", "Your backward replaces W.grad and b.grad; like every bplearn layer it "
                                                  "should add to them (+=), so that zero_grad() then backward() "
                                                  "means the same for your layers as for bplearn's.")
        if not (np.allclose(case["dW2"], 2 * case["dW"]) and np.allclose(case["db2"], 2 * case["db"])):
            return Verdict(False, "wrong_values", "After two backward passes W.grad and b.grad should hold twice the "
                                                  "gradient of one pass (backward adds to them).")
    mean, var, b_max = data["init"]
    target = 2.0 / 400
    if b_max != 0:
        return Verdict(False, "wrong_values", "The biases should start at 0.")
    if abs(var - target) > 0.05 * target or abs(mean) > 0.03 * np.sqrt(target):
        return Verdict(False, "wrong_values", f"Linear(400, 300, rng) starts with weights of mean {mean:.2g} and "
                                              f"variance {var:.3g}; He initialisation has mean 0 and variance "
                                              f"2/n_in = {target:.3g}. Use your he_init.")
    return Verdict(True, "passed", "Forward, backward (accumulating into W.grad and b.grad) and He initialisation "
                                   f"all right on {len(_LINEAR_CASES)} layers.")


register(CustomExercise(
    "capstone_linear", title="Capstone: your Linear layer", points=2,
    signature="class Linear(Layer): forward(X) -> Z, backward(dZ) -> dX", reference=CapstoneLinear,
    collect=_collect_linear, judge=_judge_linear))


def _relu_case(seed):
    rng = np.random.default_rng(60 + seed)
    Z = rng.normal(size=(4, 5))
    Z[0, :2] = 0.0                                      # exact zeros: either subgradient is fine
    return Z, rng.normal(size=(4, 5))


def _collect_relu(cls):
    _not_a_class(cls, "ReLU")
    out = {"library": _is_library_class(cls), "cases": []}
    for seed in (0, 1):
        Z, dA = _relu_case(seed)
        layer = cls()
        A = layer.forward(Z.copy())
        out["cases"].append({"A": A, "dZ": layer.backward(dA.copy()), "params": len(list(layer.parameters()))})
    return out


def _judge_relu(data):
    if data["library"]:
        return Verdict(False, "not_implemented", "This is bplearn's ReLU, not yours: write the class yourself.")
    for seed, case in zip((0, 1), data["cases"]):
        Z, dA = _relu_case(seed)
        verdict = _compare("A", case["A"], np.maximum(Z, 0), "ReLU forward")
        if verdict is not None:
            return verdict
        got, expected = case["dZ"], dA * (Z > 0)
        if isinstance(got, np.ndarray) and got.shape == expected.shape:
            if np.allclose(got, dA * (dA > 0)):
                return Verdict(False, "wrong_derivative", "ReLU backward takes its mask from dA; whether the "
                                                          "gradient passes depends on the layer's input Z.")
            if np.allclose(got, (Z > 0) * 1.0) or np.allclose(got, (Z >= 0) * 1.0):
                return Verdict(False, "wrong_values", "ReLU backward returns the mask alone: multiply it by the "
                                                      "upstream gradient dA.")
            at_zero = Z == 0
            ok_at_zero = (got >= np.minimum(0, dA) - 1e-12) & (got <= np.maximum(0, dA) + 1e-12)
            if np.all(ok_at_zero[at_zero]):
                got = np.where(at_zero, expected, got)
        verdict = _compare("dZ", got, expected, "ReLU backward")
        if verdict is not None:
            return verdict
        if case["params"] != 0:
            return Verdict(False, "wrong_values", "ReLU has no parameters: parameters() should return [].")
    return Verdict(True, "passed", "Forward and backward right, with exact zeros in Z.")


register(CustomExercise(
    "capstone_relu", title="Capstone: your ReLU layer", points=1,
    signature="class ReLU(Layer): forward(Z) -> A, backward(dA) -> dZ", reference=CapstoneReLU,
    collect=_collect_relu, judge=_judge_relu))


def _adam_case():
    rng = np.random.default_rng(70)
    values = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    grads = [[rng.normal(size=(3, 2)), rng.normal(size=2)] for _ in range(4)]
    return values, grads


def _run_adam(cls, lr=0.01, bias_correction=True, fixed_t=False):
    """Parameter values after each of 4 steps of ``cls`` (or of a variant of bplearn's rule, for diagnoses)."""
    from ..layers import Parameter
    values, grads = _adam_case()
    params = [Parameter(v.copy(), name) for v, name in zip(values, ("W", "b"))]
    opt = cls(params, lr=lr)
    history = []
    for g in grads:
        for p, gi in zip(params, g):
            p.grad = gi.copy()
        opt.step()
        history.append([np.array(p.value) for p in params])
    return history


def _collect_adam(cls):
    _not_a_class(cls, "Adam")
    return {"library": _is_library_class(cls), "steps": _run_adam(cls)}


def _adam_variant(bias_correction=True, fixed_t=False, sign=1.0):
    values, grads = _adam_case()
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    w = [v.copy() for v in values]
    m = [np.zeros_like(v) for v in values]
    v = [np.zeros_like(x) for x in values]
    history = []
    for t, g in enumerate(grads, start=1):
        tt = 1 if fixed_t else t
        for i in range(len(w)):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            mh, vh = (m[i] / (1 - b1 ** tt), v[i] / (1 - b2 ** tt)) if bias_correction else (m[i], v[i])
            w[i] = w[i] - sign * lr * mh / (np.sqrt(vh) + eps)
        history.append([x.copy() for x in w])
    return history


def _same_history(a, b):
    return all(np.allclose(x, y, rtol=1e-6, atol=1e-12) for sa, sb in zip(a, b) for x, y in zip(sa, sb))


def _judge_adam(data):
    if data["library"]:
        return Verdict(False, "not_implemented", "This is bplearn's Adam, not yours: write the class yourself.")
    steps = data["steps"]
    for k, step in enumerate(steps):
        for value in step:
            if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
                return Verdict(False, "wrong_shape", f"after step {k + 1} a parameter's value is {_describe(value)}: "
                                                     "rule() must return the new array.")
    expected = _adam_variant()
    if _same_history(steps, expected):
        return Verdict(True, "passed", "4 steps on 2 parameters match bplearn's Adam.")
    if _same_history(steps, _adam_variant(bias_correction=False)):
        return Verdict(False, "no_bias_correction", "Your steps match Adam without bias correction: divide m and v "
                                                    "by (1 - beta**t).")
    if _same_history(steps, _adam_variant(fixed_t=True)):
        return Verdict(False, "wrong_values", "Your steps match Adam with t = 1 at every step: pass self.t, the "
                                              "step count (Optimizer.step increases it before calling rule).")
    if _same_history(steps, _adam_variant(sign=-1.0)):
        return Verdict(False, "sign", "Your steps go uphill, along the gradient: check the sign of the update.")
    if _same_history(steps[:1], expected[:1]):
        return Verdict(False, "wrong_values", "The first step is right, the later ones are not: keep m and v from "
                                              "one step to the next in `state` (state[\"m\"], state[\"v\"]).")
    return Verdict(False, "wrong_values", "After the first step the parameters differ from Adam's.")


register(CustomExercise(
    "capstone_adam", title="Capstone: your Adam optimiser", points=2,
    signature="class Adam(Optimizer): rule(w, dw, state) -> w_new", reference=CapstoneAdam,
    collect=_collect_adam, judge=_judge_adam))


# ---------------------------------------------------------------- capstone_accuracy

CAPSTONE_TARGET = 0.95


def capstone_split():
    """The capstone's split of the digits: (X_train, X_test, y_train, y_test), a quarter held out (seed 0)."""
    from ..data import load_digits, train_test_split
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.25, seed=0)


def _collect_accuracy(net):
    """The network's predicted labels for the held-out digits (computed here, not by the learner)."""
    _, X_test, _, _ = capstone_split()
    if hasattr(net, "predict"):
        Z = net.predict(X_test)
    elif callable(net):
        Z = net(X_test)
    else:
        raise TypeError(f"pass your trained network (with a predict method); got a {type(net).__name__}")
    Z = np.asarray(Z)
    labels = Z.argmax(axis=1) if Z.ndim == 2 and Z.shape[1] > 1 else Z
    library = [type(layer).__name__ for layer in getattr(net, "layers", []) if _is_library_class(type(layer))]
    return {"labels": labels, "library_layers": library}


def _judge_accuracy(data):
    _, _, _, y_test = capstone_split()
    if data["library_layers"]:
        return Verdict(False, "not_implemented", "Your network is built from bplearn's layers "
                                                 f"({', '.join(sorted(set(data['library_layers'])))}), not yours (or "
                                                 "yours do not pass their checks yet, and bplearn's were used "
                                                 "instead): finish your layers, then train again.")
    labels = data["labels"]
    if not isinstance(labels, np.ndarray) or labels.shape[0:1] != y_test.shape:
        return Verdict(False, "wrong_shape", f"Your network should give one row of 10 scores per digit for the "
                                             f"{y_test.size} held-out digits; it gave {_describe(labels)}.")
    if labels.ndim != 1:
        labels = labels.reshape(labels.shape[0], -1)[:, 0]
    if not np.all(np.isfinite(labels)):
        return Verdict(False, "wrong_values", "Your network's outputs on the held-out digits contain nan or inf: "
                                              "training diverged (lower the learning rate and rebuild it).")
    acc = float(np.mean(labels == y_test))
    if acc >= CAPSTONE_TARGET:
        return Verdict(True, "passed", f"Test accuracy {acc:.3f} on the {y_test.size} held-out digits "
                                       f"(at least {CAPSTONE_TARGET} needed).")
    return Verdict(False, "wrong_values", f"Test accuracy {acc:.3f} on the {y_test.size} held-out digits; "
                                          f"{CAPSTONE_TARGET} is needed. Look at your learning-rate sweep and "
                                          "your loss curve: train longer, or with a better learning rate.")


register(CustomExercise(
    "capstone_accuracy", title="Reach 95% test accuracy on the digits", points=3,
    signature="capstone_accuracy: your trained network", collect=_collect_accuracy, judge=_judge_accuracy))
