"""Notebook 09's exercises, the capstone: the learner's own layers and optimiser (the trained
network's accuracy is checked in ``nb09_trained.py``).

    capstone_linear     class Linear(Layer): forward(X) -> Z, backward(dZ) -> dX
    capstone_relu       class ReLU(Layer): forward(Z) -> A, backward(dA) -> dZ
    capstone_adam       class Adam(Optimizer): rule(w, dw, state) -> w_new

Each check runs the learner's class in ``collect`` (which returns plain data only); ``judge`` hands
the arrays and the common mistakes' arrays to the diagnosis (``diagnose_array``, ``explain``); the
mistake models are defined in ``nb09_capstone_mistakes``.
"""

import numpy as np

from ..layers import Linear, Parameter, ReLU, linear_backward, linear_forward, relu, relu_backward
from ..optim import Adam
from .base import CustomExercise, is_bplearns
from .cases import Size
from .compare import close
from .diagnose import Trial, diagnose_array, explain, failures
from .evidence import describe
from .nb09_capstone_mistakes import (
    ADAM_MISTAKES,
    DIVIDED_AGAIN,
    RELU_MISTAKES,
    REPLACES,
    SUMMED_OVER_FEATURES,
)
from .outputs import Leaf
from .result import Verdict

RTOL = 1e-6  # the learner's layers compute in float64, in another order than bplearn's


def linear_he(n_in, n_out, rng):
    """bplearn's Linear with He initialisation, called as the capstone's Linear(n_in, n_out, rng)
    is (what mine_or_reference gives while the learner's Linear does not pass)."""
    return Linear(n_in, n_out, init="he", rng=rng)


CapstoneReLU, CapstoneAdam = ReLU, Adam


def _not_yours(what):
    return Verdict(
        False, "not_implemented", f"This is bplearn's {what}, not yours: write the class yourself."
    )


def _not_a_class(answer, what):
    if not isinstance(answer, type):
        raise TypeError(f"pass your class {what} itself (not an instance or a function)")


_LINEAR_CASES = ((5, 3, 4, 0), (7, 6, 2, 1), (1, 2, 3, 2))


def _linear_case(n, n_in, n_out, seed):
    """W, b, X, dZ for a layer Linear(n_in, n_out) and a batch of n."""
    rng = np.random.default_rng(50 + seed)
    return [rng.normal(size=shape) for shape in ((n_in, n_out), (n_out,), (n, n_in), (n, n_out))]


def _collect_linear(cls):
    if is_bplearns(cls):
        return {"library": True}
    _not_a_class(cls, "Linear")
    out = {"library": False, "cases": []}
    for n, n_in, n_out, seed in _LINEAR_CASES:
        layer = cls(n_in, n_out, np.random.default_rng(seed))
        W, b, X, dZ = _linear_case(n, n_in, n_out, seed)
        record = {
            "W_shape": tuple(np.shape(getattr(getattr(layer, "W", None), "value", None))),
            "b_shape": tuple(np.shape(getattr(getattr(layer, "b", None), "value", None))),
            "sizes": (getattr(layer, "n_in", None), getattr(layer, "n_out", None)),
        }
        params = list(layer.parameters())
        record["params_ok"] = (
            len(params) == 2
            and all(isinstance(p, Parameter) for p in params)
            and params[0] is getattr(layer, "W", None)
            and params[1] is getattr(layer, "b", None)
        )
        if (
            not record["params_ok"]
            or record["W_shape"] != (n_in, n_out)
            or record["b_shape"] != (n_out,)
        ):
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
    W, b = big.W.value, big.b.value
    out["init"] = (float(np.mean(W)), float(np.var(W)), float(np.max(np.abs(b))))
    return out


def check_array(name, got, expected, what, n=1, mistakes=(), variants=()):
    """None when right, else a Verdict saying how ``got`` differs from ``expected`` (n: the batch
    size, a factor the learner may have divided by once too often; mistakes and their variants:
    the answers of common mistakes)."""
    if not isinstance(got, np.ndarray) or got.dtype.kind not in "biuf":
        return Verdict(
            False,
            "wrong_shape",
            f"{what} should return {name} as an array; it returned {describe(got)}.",
        )
    batch = [Size("N", "the batch size", n, "over the batch")] if n > 1 else []
    if batch:
        mistakes, variants = [*mistakes, DIVIDED_AGAIN], [*variants, expected / n]
    verdict = diagnose_array(
        name, expected, got, RTOL, sizes=batch, mistakes=mistakes, variants=variants
    )
    if verdict is not None:
        verdict.message = f"{what}: {verdict.message}"
    return verdict


def _judge_linear(data):
    if data["library"]:
        return _not_yours("Linear")
    for (n, n_in, n_out, seed), case in zip(_LINEAR_CASES, data["cases"]):
        where = f"Linear({n_in}, {n_out}, rng) with a batch of {n}"
        if not case["params_ok"]:
            return Verdict(
                False,
                "wrong_values",
                f"{where}: parameters() should return [self.W, self.b], two "
                "Parameters (keep the constructor as it was given).",
            )
        if case["W_shape"] != (n_in, n_out) or case["b_shape"] != (n_out,):
            return Verdict(
                False,
                "wrong_shape",
                f"{where}: W has shape {case['W_shape']} and b {case['b_shape']}; "
                f"expected {(n_in, n_out)} and {(n_out,)}.",
            )
        if tuple(case["sizes"]) != (n_in, n_out):
            return Verdict(
                False,
                "wrong_values",
                f"{where}: set self.n_in and self.n_out (bplearn's tools read "
                "them), as the constructor that was given does.",
            )
        W, b, X, dZ = _linear_case(n, n_in, n_out, seed)
        dX, dW, db = linear_backward(dZ, X, W)
        twice = f"{where}, after two backward passes"
        for name, got, expected, what, mistakes, variants in (
            ("Z", case["Z"], linear_forward(X, W, b), f"{where}, forward", (), ()),
            ("dX", case["dX"], dX, f"{where}, backward's return value", (), ()),
            ("W.grad", case["dW"], dW, f"{where}, backward", (), ()),
            ("b.grad", case["db"], db, f"{where}, backward", [SUMMED_OVER_FEATURES], [dZ.sum(1)]),
            ("W.grad", case["dW2"], 2 * dW, twice, [REPLACES], [dW]),
            ("b.grad", case["db2"], 2 * db, twice, [REPLACES], [db]),
        ):
            verdict = check_array(name, got, expected, what, n, mistakes, variants)
            if verdict is not None:
                return verdict
    mean, var, b_max = data["init"]
    target = 2.0 / 400
    if b_max != 0:
        return Verdict(False, "wrong_values", "The biases should start at 0.")
    if abs(var - target) > 0.05 * target or abs(mean) > 0.03 * np.sqrt(target):
        return Verdict(
            False,
            "wrong_values",
            f"Linear(400, 300, rng) starts with weights of mean {mean:.2g} and "
            f"variance {var:.3g}; He initialisation has mean 0 and variance "
            f"2/n_in = {target:.3g}. Use your he_init.",
        )
    return Verdict(
        True,
        "passed",
        "Forward, backward (accumulating into W.grad and b.grad) and He initialisation "
        f"all right on {len(_LINEAR_CASES)} layers.",
    )


CAPSTONE_LINEAR = CustomExercise(
    "capstone_linear",
    title="Capstone: your Linear layer",
    points=2,
    signature="class Linear(Layer): forward(X) -> Z, backward(dZ) -> dX",
    reference=linear_he,
    may_not_use=(Linear.forward, Linear.backward),
    collect=_collect_linear,
    judge=_judge_linear,
)


def _relu_case(seed):
    rng = np.random.default_rng(60 + seed)
    Z = rng.normal(size=(4, 5))
    Z[0, :2] = 0.0  # exact zeros: either subgradient is fine
    return Z, rng.normal(size=(4, 5))


def _collect_relu(cls):
    _not_a_class(cls, "ReLU")
    out = {"library": is_bplearns(cls), "cases": []}
    for seed in (0, 1):
        Z, dA = _relu_case(seed)
        layer = cls()
        A = layer.forward(Z.copy())
        out["cases"].append(
            {"A": A, "dZ": layer.backward(dA.copy()), "params": len(list(layer.parameters()))}
        )
    return out


def _judge_relu(data):
    if data["library"]:
        return _not_yours("ReLU")
    for seed, case in zip((0, 1), data["cases"]):
        Z, dA = _relu_case(seed)
        verdict = check_array("A", case["A"], relu(Z), "ReLU forward")
        if verdict is not None:
            return verdict
        got, expected = case["dZ"], relu_backward(dA, Z)
        if isinstance(got, np.ndarray) and got.shape == expected.shape:
            # at Z == 0 any subgradient in [0, 1] is right: take the learner's there when allowed
            allowed = (got >= np.minimum(0, dA) - 1e-12) & (got <= np.maximum(0, dA) + 1e-12)
            expected = np.where((Z == 0) & allowed, got, expected)
        variants = [m.fn(dA, Z) for m in RELU_MISTAKES]
        verdict = check_array("dZ", got, expected, "ReLU backward", 1, RELU_MISTAKES, variants)
        if verdict is not None:
            return verdict
    if any(case["params"] != 0 for case in data["cases"]):
        return Verdict(
            False, "wrong_values", "ReLU has no parameters: parameters() should return []."
        )
    return Verdict(True, "passed", "Forward and backward right, with exact zeros in Z.")


CAPSTONE_RELU = CustomExercise(
    "capstone_relu",
    title="Capstone: your ReLU layer",
    points=1,
    signature="class ReLU(Layer): forward(Z) -> A, backward(dA) -> dZ",
    reference=CapstoneReLU,
    may_not_use=(ReLU.forward, ReLU.backward),
    collect=_collect_relu,
    judge=_judge_relu,
)


def _adam_case():
    rng = np.random.default_rng(70)
    values = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    grads = [[rng.normal(size=(3, 2)), rng.normal(size=2)] for _ in range(4)]
    return values, grads


def _run_adam(cls):
    """The values of two parameters after each of 4 steps of the optimiser ``cls`` (lr 0.01)."""
    values, grads = _adam_case()
    params = [Parameter(v.copy(), name) for v, name in zip(values, ("W", "b"))]
    opt = cls(params, lr=0.01)
    history = []
    for g in grads:
        for p, gi in zip(params, g):
            p.grad = gi.copy()
        opt.step()
        history.append([np.array(p.value) for p in params])
    return history


def _collect_adam(cls):
    _not_a_class(cls, "Adam")
    return {"library": is_bplearns(cls), "steps": _run_adam(cls)}


VALUES = Leaf(0, "the parameters")


def _values(history):
    """Every parameter's value after every step, as one array."""
    return np.concatenate([np.ravel(v) for step in history for v in step])


def _judge_adam(data):
    if data["library"]:
        return _not_yours("Adam")
    steps = data["steps"]
    for k, step in enumerate(steps):
        for value in step:
            if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
                return Verdict(
                    False,
                    "wrong_shape",
                    f"after step {k + 1} a parameter's value is {describe(value)}: "
                    "rule() must return the new array.",
                )
    expected = _run_adam(Adam)
    trial = Trial({VALUES: _values(expected)}, {VALUES: _values(steps)}, RTOL)
    if not failures([trial]):
        return Verdict(True, "passed", "4 steps on 2 parameters match bplearn's Adam.")
    trial.variants = [{VALUES: _values(_run_adam(m.fn))} for m in ADAM_MISTAKES]
    verdict = explain([trial], ADAM_MISTAKES, name="Adam", outputs=["the parameters"])
    if verdict:
        return verdict
    if close(_values(expected[:1]), _values(steps[:1]), RTOL):
        return Verdict(
            False,
            "wrong_values",
            "The first step is right, the later ones are not: keep m and v from "
            'one step to the next in `state` (state["m"], state["v"]).',
        )
    return Verdict(False, "wrong_values", "After the first step the parameters differ from Adam's.")


CAPSTONE_ADAM = CustomExercise(
    "capstone_adam",
    title="Capstone: your Adam optimiser",
    points=2,
    signature="class Adam(Optimizer): rule(w, dw, state) -> w_new",
    reference=CapstoneAdam,
    may_not_use=(Adam.rule,),
    collect=_collect_adam,
    judge=_judge_adam,
)


EXERCISES = [
    CAPSTONE_LINEAR,
    CAPSTONE_RELU,
    CAPSTONE_ADAM,
]
