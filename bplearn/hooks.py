"""Watching a training step: one event record, hooks that receive it, and a step-by-step generator.

One training step has four stages, always in this order:
    forward   layer 0 .. L-1    data: input, output
    loss      once              data: value, pred (Y_hat), grad (dL/dY_hat)
    backward  layer L-1 .. 0    data: grad_output (upstream), grad_input (dX); for Linear also dW, db
    update    each parameter    data: old, step (new - old), new, grad

net.forward and net.backward send forward and backward events to the net's hooks; the loss and
update events exist only inside a whole training step: ``steps``, ``train_step`` and ``fit``.

Two ways to watch the same events:
    push:  handle = net.add_hook(fn, stages=("backward",)); ...; handle.remove()
    pull:  for event in steps(net, loss, optimizer, X, y): ...   (one stage at a time)
Every array in an event is a read-only view, so observing can never change a number.
"""
from dataclasses import dataclass

import numpy as np

STAGES = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class Event:
    stage: str      # one of STAGES
    index: int      # layer index (forward, backward), parameter index (update), None (loss)
    name: str       # e.g. "Linear(2→16)", "loss", "0.W"
    layer: object   # the layer (forward, backward), the Parameter (update), None (loss)
    data: dict      # read-only arrays (see the module docstring)

    def __repr__(self):
        shapes = ", ".join(f"{k}{tuple(np.shape(v))}" if np.ndim(v) else f"{k}={v:.4g}"
                           for k, v in self.data.items())
        where = "" if self.index is None else f" {self.index}"
        return f"<{self.stage}{where} {self.name}: {shapes}>"


def readonly(**arrays):
    """A dict of read-only views of the given arrays (numbers are kept as they are)."""
    out = {}
    for key, value in arrays.items():
        if isinstance(value, np.ndarray):
            value = value.view()
            value.flags.writeable = False
        out[key] = value
    return out


class Handle:
    """Returned by ``add_hook``; ``remove()`` takes the hook away again."""

    def __init__(self, hooks, entry):
        self._hooks, self._entry = hooks, entry

    def remove(self):
        if self._entry in self._hooks:
            self._hooks.remove(self._entry)


class Hookable:
    """Mixin for a network: a list of (fn, stages) and ``emit`` to call them."""

    def add_hook(self, fn, stages=None):
        """Call ``fn(event)`` for every event of the given stages (default: all).  Returns a Handle."""
        if not callable(fn):
            raise TypeError(f"add_hook: fn must be callable, got {type(fn).__name__}")
        stages = STAGES if stages is None else ((stages,) if isinstance(stages, str) else tuple(stages))
        for s in stages:
            if s not in STAGES:
                raise ValueError(f"add_hook: unknown stage {s!r}; choose from {', '.join(STAGES)}")
        entry = (fn, stages)
        self._hooks.append(entry)
        return Handle(self._hooks, entry)

    def has_hooks(self):
        return bool(self._hooks)

    def emit(self, event):
        for fn, stages in list(self._hooks):
            if event.stage in stages:
                fn(event)

    def emitting(self, stages):
        """Send each event of the generator ``stages`` to the hooks and yield it; return its return value."""
        while True:
            try:
                event = next(stages)
            except StopIteration as done:
                return done.value
            self.emit(event)
            yield event


def steps(net, loss, optimizer, X, y, need_dX=True):
    """One training step, one stage at a time: yields forward, loss, backward and update Events in order.

    Each event is also sent to the net's hooks.  When the generator is exhausted the step is complete.
    Stopping before the first update event leaves every parameter as it was (only the gradients are
    new); each update event reports a parameter that has just been changed.
    need_dX=False skips the gradient for the data X (the first layer's grad_input is then None).
    """
    optimizer.zero_grad()
    Y_hat = yield from net.emitting(net.forward_stages(X))
    value = loss.forward(Y_hat, y)
    dY_hat = loss.backward()
    event = Event("loss", None, "loss", None, readonly(value=value, pred=Y_hat, grad=dY_hat))
    net.emit(event)
    yield event
    yield from net.emitting(net.backward_stages(dY_hat, need_dX))
    yield from net.emitting(optimizer.update_stages())


def train_step(net, loss, optimizer, X, y):
    """Run one whole training step (through ``steps``) and return the loss value.

    Unless a hook is listening, the gradient for the data X is skipped: training never uses it.
    """
    value = None
    for event in steps(net, loss, optimizer, X, y, need_dX=net.has_hooks()):
        if event.stage == "loss":
            value = event.data["value"]
    return value


class Recorder:
    """A ready hook that keeps per-layer statistics of every training step, for plots.

    rec = Recorder(); handle = net.add_hook(rec)   (or fit(..., hooks=[rec]))
    rec.series("grad_norm") -> {layer label: array over steps}, labels such as "0: Linear(2→16)"
    Statistics:
        act_mean, act_std   mean and std of each activation layer's output A
        saturation          fraction of units where the activation is flat: |tanh| > 0.99,
                            sigmoid < 0.01 or > 0.99, ReLU output exactly 0 (inactive)
        grad_norm           ||dW|| of each Linear layer (Frobenius norm)
        update_ratio        ||W_new - W_old|| / ||W_old|| of each Linear layer's weights (update events
                            exist only in steps, train_step and fit, not in optimizer.step())
    With keep_last=True, ``last_activations`` and ``last_grads`` hold copies of the last step's
    activations A and back-propagated gradients dZ (the upstream gradient into each Linear layer's output).
    A step starts with the forward event of layer 0.
    """

    def __init__(self, keep_last=True):
        self.keep_last = keep_last
        self.records = {}            # (stat, label) -> list of values, one per step
        self.step = -1
        self.last_activations, self.last_grads = {}, {}
        self._weights = {}           # id(W Parameter) -> label of its Linear layer, learnt from forward events

    def _add(self, stat, label, value):
        self.records.setdefault((stat, label), []).append(float(value))

    def __call__(self, event):
        if event.stage == "forward":
            if event.index == 0:
                self.step += 1
            if hasattr(event.layer, "W"):
                self._weights[id(event.layer.W)] = _label(event)
            else:
                self._forward_stats(event)
        elif event.stage == "backward" and "dW" in event.data:
            self._add("grad_norm", _label(event), np.linalg.norm(event.data["dW"]))
            if self.keep_last:
                self.last_grads[event.index] = np.array(event.data["grad_output"])
        elif event.stage == "update":
            label = self._weights.get(id(event.layer))
            if label is not None:
                old = np.linalg.norm(event.data["old"])
                self._add("update_ratio", label, np.linalg.norm(event.data["step"]) / old if old > 0 else np.inf)

    def _forward_stats(self, event):
        A = event.data["output"]
        label = _label(event)
        self._add("act_mean", label, A.mean())
        self._add("act_std", label, A.std())
        kind = type(event.layer).__name__
        if kind == "Tanh":
            flat = np.abs(A) > 0.99
        elif kind == "Sigmoid":
            flat = (A < 0.01) | (A > 0.99)
        elif kind in ("ReLU", "LeakyReLU"):
            flat = event.data["input"] <= 0
        else:
            flat = np.zeros(A.shape, dtype=bool)
        self._add("saturation", label, flat.mean())
        if self.keep_last:
            self.last_activations[event.index] = np.array(A)

    def stats(self):
        """The names of the statistics recorded so far."""
        return sorted({stat for stat, _ in self.records})

    def series(self, stat):
        """{layer label: np.ndarray of the statistic over steps}, layers in network order."""
        known = ("act_mean", "act_std", "saturation", "grad_norm", "update_ratio")
        if stat not in known:
            raise ValueError(f"unknown statistic {stat!r}; choose one of {', '.join(known)}")
        found = {label: np.array(v) for (s, label), v in self.records.items() if s == stat}
        return dict(sorted(found.items(), key=lambda kv: int(kv[0].split(":")[0])))


def probe(net, loss, X, y):
    """One forward and backward pass of (X, y) with a Recorder attached, without any update.

    Returns the Recorder: ``series("grad_norm")`` holds one ||dW|| per Linear layer,
    ``last_activations`` / ``last_grads`` the arrays A and dZ of every layer, and ``loss_value``
    the loss of this batch.  The parameters' ``.grad`` are reset first and hold this batch's
    gradients afterwards.
    """
    rec = Recorder(keep_last=True)
    handle = net.add_hook(rec)
    try:
        net.zero_grad()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value = loss.forward(net.forward(X), y)
            net.backward(loss.backward())
        rec.loss_value = value
    finally:
        handle.remove()
    return rec


def layer_gradient_norms(net, loss, X, y):
    """||dW|| of each Linear layer for one batch (input side first), as an array (L,)."""
    rec = probe(net, loss, X, y)
    return np.array([v[-1] for v in rec.series("grad_norm").values()])


def _label(event):
    """A layer's label in Recorder series: "index: name"."""
    return f"{event.index}: {event.name}"


def drain(stages):
    """Run a generator of stages to the end and return its return value."""
    while True:
        try:
            next(stages)
        except StopIteration as done:
            return done.value
