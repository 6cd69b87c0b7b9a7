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

# Batch sizes that do not divide N, so the last batch is smaller; several epochs, so an order
# repeated every epoch shows; a seed other than 0.  Each returns the arguments of one call.


def _moons():
    X, y = data.moons(n=60, noise=0.2, seed=0)
    net = MLP([2, 8, 2], activation="tanh", init="xavier", seed=0)
    return net, CrossEntropyLoss(), Adam(net.parameters(), lr=0.01), X, y, 3, 16, 0


def _regression():
    X, y = data.regression_1d(n=30, noise=0.1, seed=1)
    net = MLP([1, 6, 1], activation="relu", init="he", seed=1)
    return net, MSELoss(), SGD(net.parameters(), lr=0.05, momentum=0.9), X, y, 2, 7, 5


def _spirals():
    X, y = data.spirals(n=45, k=3, noise=0.2, seed=0)
    net = MLP([2, 10, 3], activation="tanh", init="xavier", seed=2)
    return net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.2), X, y, 3, 10, 3


PROBLEMS = [
    Setup(_moons, "an MLP [2, 8, 2] on 60 moons points, 3 epochs of batch_size=16, seed=0"),
    Setup(
        _regression, "an MLP [1, 6, 1] on 30 regression points, 2 epochs of batch_size=7, seed=5"
    ),
    Setup(_spirals, "an MLP [2, 10, 3] on 45 spirals points, 3 epochs of batch_size=10, seed=3"),
]


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


def _observe(case, args, step_losses):
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
        may_not_use=(fit,),
        cases=lambda rng: [Case(problem) for problem in PROBLEMS],
        observe=_observe,
        mistakes=MISTAKES,
        sizes=lambda *args: [],
        rtol={np.float64: 1e-9},  # the same arithmetic as fit: equal to rounding
        passed=f"Same losses and weights as bplearn.fit on all {len(PROBLEMS)} test problems.",
    ),
]
