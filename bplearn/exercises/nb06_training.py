"""Notebook 06's exercise: write the training loop yourself, checked against ``bplearn.fit``.

    training_loop(net, loss, optimizer, X, y, epochs, batch_size, seed) -> step_losses

One step per minibatch: zero the gradients, forward, loss, backward, update.  The minibatches of
every epoch come from ``bplearn.data.minibatches(X, y, batch_size, shuffle=True, rng=rng)`` with ONE
generator ``rng = np.random.default_rng(seed)`` made before the first epoch, exactly as ``fit``
does, so the same seed gives the same order and the same losses as ``fit(..., shuffle=True,
seed=seed)``. Returns the loss of every step, in order (a list of floats).

A FunctionExercise like the others: each case is a small problem built fresh for every call (a
``Setup``), the check observes the step losses and the weights the loop leaves in the network, and
each common mistake is a loop with that mistake, observed the same way.
"""

import numpy as np

from .. import data
from ..data import minibatches
from ..losses import CrossEntropyLoss, MSELoss
from ..network import MLP
from ..optim import SGD, Adam
from ..train import fit
from .cases import Case, Setup
from .function_exercise import FunctionExercise, Mistake, Output

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


def _build(spec):
    """The arguments of one case, the same every time."""
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
    return net, loss, optimizer, X, y, spec["epochs"], spec["batch_size"], spec["seed"]


def _describe_case(spec):
    return (
        f"an MLP {spec['sizes']} on {spec['n']} {spec['data']} points, {spec['epochs']} epochs of "
        f"batch_size={spec['batch_size']}, seed={spec['seed']}"
    )


def _mistaken(zero_grad=True, new_order=True, step=True, loss_before=True, last_batch=True):
    """The loop with one common mistake: the keyword that is not its default."""

    def loop(net, loss, optimizer, X, y, epochs, batch_size, seed=0):
        rng = np.random.default_rng(seed)
        step_losses = []
        for _ in range(epochs):
            if not new_order:
                rng = np.random.default_rng(seed)
            for Xb, yb in minibatches(X, y, batch_size, shuffle=True, rng=rng):
                if not last_batch and len(Xb) < batch_size:
                    continue
                if zero_grad:
                    optimizer.zero_grad()
                L = loss.forward(net.forward(Xb), yb)
                net.backward(loss.backward())
                if step:
                    optimizer.step()
                step_losses.append(L if loss_before else loss.forward(net.forward(Xb), yb))
        return step_losses

    return loop


def _fit(net, loss, optimizer, X, y, epochs, batch_size, seed=0, **options):
    options = {"epochs": epochs, "batch_size": batch_size, "seed": seed, **options}
    return fit(net, loss, optimizer, X, y, progress=False, **options)


MISTAKES = [
    Mistake(
        "wrong_values",
        _mistaken(zero_grad=False),
        "Gradients pile up from step to step: a parameter's .grad accumulates (+=) on every"
        " backward pass, so reset it at the start of each step with optimizer.zero_grad() (or"
        " net.zero_grad()).",
    ),
    Mistake(
        "wrong_values",
        _mistaken(new_order=False),
        "Every epoch visits the minibatches in the same order: make the generator rng ="
        " np.random.default_rng(seed) once, before the first epoch, and pass that same rng to"
        " minibatches every epoch, so each epoch draws a new order.",
    ),
    Mistake(
        "wrong_values",
        lambda *args: _fit(*args, shuffle=False).step_loss,
        "The minibatches come in the data's own order: shuffle them, with "
        "minibatches(X, y, batch_size, shuffle=True, rng=rng).",
    ),
    Mistake(
        "wrong_values",
        lambda *args: _fit(*args[:7], seed=0).step_loss,
        "The shuffling does not use the seed argument: make the generator from it, "
        "rng = np.random.default_rng(seed).",
    ),
    Mistake(
        "wrong_values",
        _mistaken(step=False),
        "The network's weights never changed: after the backward pass, call optimizer.step() to"
        " update them.",
    ),
    Mistake(
        "wrong_values",
        _mistaken(loss_before=False),
        "Each loss is computed after the update: record the loss of each minibatch as"
        " loss.forward returns it, before the update.",
    ),
    Mistake(
        "wrong_shape",
        lambda *args: _fit(*args).epoch_loss,
        "{output} holds one number per epoch: record the loss of every minibatch step.",
        shape_only=True,
    ),
    Mistake(
        "wrong_shape",
        lambda *args: _fit(*args[:5], 1, *args[6:]).step_loss,
        "{output} holds one epoch's worth of losses: loop over the epochs too.",
        shape_only=True,
    ),
    Mistake(
        "wrong_shape",
        _mistaken(last_batch=False),
        "{output} misses the last, smaller minibatch of each epoch: it counts as a step too.",
        shape_only=True,
    ),
]


def _cases(rng):
    return [Case(Setup(lambda spec=spec: _build(spec), _describe_case(spec))) for spec in _CASES]


def _observe(args, step_losses):
    """What the check compares: the step losses, and the weights the loop leaves in the net."""
    return step_losses, [p.value.copy() for p in args[0].parameters()]


EXERCISES = [
    FunctionExercise(
        "training_loop",
        title="Your own training loop, checked against fit",
        points=3,
        args=("net", "loss", "optimizer", "X", "y", "epochs", "batch_size", "seed"),
        outputs=("step_losses", Output("weights", "list")),
        signature=(
            "training_loop(net, loss, optimizer, X, y, epochs, batch_size, seed) -> step_losses"
        ),
        reference=training_loop,
        cases=_cases,
        observe=_observe,
        mistakes=MISTAKES,
        sizes=lambda *args: [],
        rtol={np.float64: 1e-9},  # the same arithmetic as fit: equal to rounding
        passed=f"Same losses and weights as bplearn.fit on all {len(_CASES)} test problems.",
    ),
]
