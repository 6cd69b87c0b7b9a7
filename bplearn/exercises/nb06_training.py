"""Notebook 06's exercise: write the training loop yourself, checked against ``bplearn.fit``.

    training_loop(net, loss, optimizer, X, y, epochs, batch_size, seed) -> step_losses

One step per minibatch: zero the gradients, forward, loss, backward, update.  The minibatches of
every epoch come from ``bplearn.data.minibatches(X, y, batch_size, shuffle=True, rng=rng)`` with ONE
generator ``rng = np.random.default_rng(seed)`` made before the first epoch, exactly as ``fit``
does, so the same seed gives the same order and the same losses as ``fit(..., shuffle=True,
seed=seed)``. Returns the loss of every step, in order (a list of floats).

``collect`` runs the learner's loop on small fixed problems and keeps only the numbers (losses,
final weights); ``judge`` runs ``fit`` and some common mistakes on the same problems and compares.
"""

import numpy as np

from .. import data
from ..data import minibatches
from ..losses import CrossEntropyLoss, MSELoss
from ..network import MLP
from ..optim import SGD, Adam
from ..train import fit
from .base import CustomExercise
from .compare import close
from .evidence import describe
from .result import Verdict

# ---------------------------------------------------------------- reference


def training_loop(net, loss, optimizer, X, y, epochs, batch_size, seed=0):
    """Train ``net`` in minibatches for ``epochs`` epochs; return the loss of every step (a list of
    floats)."""
    rng = np.random.default_rng(seed)  # one generator: a new order every epoch
    step_losses = []
    for epoch in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, shuffle=True, rng=rng):
            # .grad accumulates: start each step from zero
            optimizer.zero_grad()
            Y_hat = net.forward(Xb)  # forward
            L = loss.forward(Y_hat, yb)  # loss
            net.backward(loss.backward())  # backward: fills every parameter's .grad
            optimizer.step()  # update
            step_losses.append(L)
    return step_losses


# ---------------------------------------------------------------- the test problems

# Rebuilt identically in collect and in judge.  Batch sizes that do not divide N, so the last batch
# is
# smaller; several epochs, so an order repeated every epoch shows; a seed other than 0 in one case.
_CASES = (
    dict(
        data="moons",
        n=60,
        sizes=[2, 8, 2],
        activation="tanh",
        init="xavier",
        net_seed=0,
        loss="ce",
        optimizer="adam",
        lr=0.01,
        epochs=3,
        batch_size=16,
        seed=0,
    ),
    dict(
        data="regression",
        n=30,
        sizes=[1, 6, 1],
        activation="relu",
        init="he",
        net_seed=1,
        loss="mse",
        optimizer="momentum",
        lr=0.05,
        epochs=2,
        batch_size=7,
        seed=5,
    ),
    dict(
        data="spirals",
        n=45,
        sizes=[2, 10, 3],
        activation="tanh",
        init="xavier",
        net_seed=2,
        loss="ce",
        optimizer="sgd",
        lr=0.2,
        epochs=3,
        batch_size=10,
        seed=3,
    ),
)


def _steps_expected(spec):
    return spec["epochs"] * -(-spec["n"] // spec["batch_size"])


def _build(spec):
    """(net, loss, optimizer, X, y) for one case, the same every time."""
    if spec["data"] == "moons":
        X, y = data.moons(n=spec["n"], noise=0.2, seed=0)
    elif spec["data"] == "spirals":
        X, y = data.spirals(n=spec["n"], k=3, noise=0.2, seed=0)
    else:
        X, y = data.regression_1d(n=spec["n"], noise=0.1, seed=1)
    net = MLP(
        spec["sizes"], activation=spec["activation"], init=spec["init"], seed=spec["net_seed"]
    )
    loss = CrossEntropyLoss() if spec["loss"] == "ce" else MSELoss()
    params = net.parameters()
    if spec["optimizer"] == "adam":
        optimizer = Adam(params, lr=spec["lr"])
    else:
        optimizer = SGD(
            params, lr=spec["lr"], momentum=0.9 if spec["optimizer"] == "momentum" else 0.0
        )
    return net, loss, optimizer, X, y


def _describe_case(spec):
    return (
        f"an MLP {spec['sizes']} on {spec['n']} {spec['data']} points, {spec['epochs']} epochs of "
        f"batch_size={spec['batch_size']}, seed={spec['seed']}"
    )


# ---------------------------------------------------------------- collect (runs the learner's loop)


def _collect(answer):
    runs = []
    for spec in _CASES:
        net, loss, optimizer, X, y = _build(spec)
        X_before, y_before = X.copy(), y.copy()
        before = [p.value.copy() for p in net.parameters()]
        out = answer(net, loss, optimizer, X, y, spec["epochs"], spec["batch_size"], spec["seed"])
        if out is None:
            raise NotImplementedError
        try:
            losses = np.asarray(out, dtype=np.float64).reshape(-1) if _is_sequence(out) else out
        except (TypeError, ValueError):
            losses = out
        runs.append(
            {
                "losses": losses,
                "params": [p.value.copy() for p in net.parameters()],
                "params_changed": any(
                    not np.array_equal(b, p.value) for b, p in zip(before, net.parameters())
                ),
                "data_changed": not (np.array_equal(X, X_before) and np.array_equal(y, y_before)),
            }
        )
    return runs


def _is_sequence(value):
    return isinstance(value, (list, tuple, np.ndarray))


# ---------------------------------------------------------------- judge (never runs learner code)


def _reference_run(spec, **fit_options):
    net, loss, optimizer, X, y = _build(spec)
    history = fit(
        net,
        loss,
        optimizer,
        X,
        y,
        epochs=spec["epochs"],
        batch_size=spec["batch_size"],
        seed=fit_options.pop("seed", spec["seed"]),
        progress=False,
        **fit_options,
    )
    return np.array(history.step_loss), [p.value.copy() for p in net.parameters()]


def _variant_run(spec, zero_grad=True, same_order=False):
    """A loop with one of the common mistakes: gradients never zeroed, or the same order every
    epoch."""
    net, loss, optimizer, X, y = _build(spec)
    rng = np.random.default_rng(spec["seed"])
    losses = []
    for _ in range(spec["epochs"]):
        if same_order:
            rng = np.random.default_rng(spec["seed"])
        for Xb, yb in minibatches(X, y, spec["batch_size"], shuffle=True, rng=rng):
            if zero_grad:
                optimizer.zero_grad()
            losses.append(loss.forward(net.forward(Xb), yb))
            net.backward(loss.backward())
            optimizer.step()
    return np.array(losses), [p.value.copy() for p in net.parameters()]


_MISTAKES = (
    (
        "no_zero_grad",
        lambda s: _variant_run(s, zero_grad=False),
        (
            "gradients pile up from step to step: a parameter's .grad accumulates (+=) on every"
            " backward pass, so reset it at the start of each step with optimizer.zero_grad() (or"
            " net.zero_grad())."
        ),
    ),
    (
        "same_order",
        lambda s: _variant_run(s, same_order=True),
        (
            "every epoch visits the minibatches in the same order: make the generator rng ="
            " np.random.default_rng(seed) once, before the first epoch, and pass that same rng to"
            " minibatches every epoch, so each epoch draws a new order."
        ),
    ),
    (
        "no_shuffle",
        lambda s: _reference_run(s, shuffle=False),
        (
            "the minibatches come in the data's own order: shuffle them, with "
            "minibatches(X, y, batch_size, shuffle=True, rng=rng)."
        ),
    ),
    (
        "seed_ignored",
        lambda s: _reference_run(s, seed=0),
        (
            "the shuffling does not use the seed argument: make the generator from it, "
            "rng = np.random.default_rng(seed)."
        ),
    ),
)


def _close(a, b):
    return close(a, b, rtol=1e-9, tiny=1e-12)


def _judge(runs):
    if not isinstance(runs, list) or len(runs) != len(_CASES):
        return Verdict(
            False, "wrong_values", "training_loop could not be run on every test problem."
        )
    for spec, run in zip(_CASES, runs):
        where = f"For {_describe_case(spec)}"
        losses = run["losses"]
        if not isinstance(losses, np.ndarray) or losses.ndim != 1:
            return Verdict(
                False,
                "wrong_shape",
                "training_loop should return the list of step losses (one float "
                f"per minibatch); it returned {describe(losses)}.",
            )
        expected = _steps_expected(spec)
        if losses.size != expected:
            per_epoch = expected // spec["epochs"]
            hint = ""
            if losses.size == per_epoch:
                hint = " That is one epoch's worth: loop over the epochs too."
            elif losses.size == spec["epochs"]:
                hint = " That is one number per epoch: record the loss of every minibatch step."
            elif losses.size == spec["epochs"] * (spec["n"] // spec["batch_size"]):
                hint = (
                    " The last, smaller minibatch of each epoch is missing: it counts as a step"
                    " too."
                )
            return Verdict(
                False,
                "wrong_shape",
                f"{where}, fit takes {expected} steps ({spec['epochs']} epochs × "
                f"{per_epoch} minibatches); yours returned {losses.size} losses.{hint}",
            )
        if run["data_changed"]:
            return Verdict(
                False,
                "mutates_input",
                "training_loop changed X or y in place. Leave the data as it is "
                "(minibatches gives you shuffled copies).",
            )
        if not run["params_changed"]:
            return Verdict(
                False,
                "wrong_values",
                "the network's weights never changed: after the backward pass, "
                "call optimizer.step() to update them.",
            )
        ref_losses, ref_params = _reference_run(spec)
        if _close(losses, ref_losses) and all(
            _close(np.asarray(a), b) for a, b in zip(run["params"], ref_params)
        ):
            continue
        if _close(losses, ref_losses):
            return Verdict(
                False,
                "wrong_values",
                f"{where}, your losses match fit's, but the final weights do not. "
                "Does the last step update the weights (optimizer.step())?",
            )
        for name, make, message in _MISTAKES:
            variant_losses, _ = make(spec)
            if _close(losses, variant_losses):
                return Verdict(False, "wrong_values", f"{where}: {message}")
        k = int(np.argmax(~np.isclose(losses, ref_losses, rtol=1e-9, atol=0)))
        if k == 0:
            return Verdict(
                False,
                "wrong_values",
                f"{where}, already the first step's loss differs from fit's: "
                f"{losses[0]:.6g} instead of {ref_losses[0]:.6g}. Record the loss of "
                "each minibatch as loss.forward returns it, before the update, and "
                "draw the order from rng = np.random.default_rng(seed).",
            )
        return Verdict(
            False,
            "wrong_values",
            f"{where}, the first {k} step losses match fit's, then step {k + 1} "
            f"gives {losses[k]:.6g} instead of {ref_losses[k]:.6g}.",
        )
    return Verdict(
        True,
        "passed",
        f"Same losses and weights as bplearn.fit on all {len(_CASES)} test problems.",
    )


EXERCISES = [
    CustomExercise(
        "training_loop",
        title="Your own training loop, checked against fit",
        points=3,
        signature=(
            "training_loop(net, loss, optimizer, X, y, epochs, batch_size, seed) -> step_losses"
        ),
        collect=_collect,
        judge=_judge,
        reference=training_loop,
        may_not_use=(fit,),
    ),
]
