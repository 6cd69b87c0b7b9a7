"""Watching a network: the event record, the hooks that receive it, the handle that removes one.

One training step has four stages, always in this order:
    forward   layer 0 .. L-1    data: input, output
    loss      once              data: value, pred (Y_hat), grad (dL/dY_hat)
    backward  layer L-1 .. 0    data: grad_output (upstream), grad_input (dX, or None if not asked),
                                and d<name> for each of the layer's parameters (dW, db)
    update    each parameter    data: old, step (new - old), new, grad

net.forward and net.backward send forward and backward events; loss and update events exist only in
a whole training step (train_step, steps, fit).  Event arrays are read-only: observing changes none.
"""

from dataclasses import dataclass

import numpy as np

STAGES = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class Event:
    stage: str  # one of STAGES
    # the layer's index in net.layers (for an update: the index of the parameter's layer); None for
    # loss
    index: int
    # the layer's name, e.g. "Linear(2→16)"; "loss"; the parameter's name, e.g. "0.W"
    name: str
    layer: object  # the layer (forward, backward), the Parameter (update), None (loss)
    data: dict  # read-only arrays (see the module docstring)

    def __repr__(self):
        shapes = ", ".join(
            f"{k}{tuple(np.shape(v))}" if np.ndim(v) else f"{k}={v if v is None else f'{v:.4g}'}"
            for k, v in self.data.items()
        )
        where = "" if self.index is None else f" {self.index}"
        return f"<{self.stage}{where} {self.name}: {shapes}>"


def readonly(value):
    """A read-only view of an array (a number or None is returned as it is)."""
    if isinstance(value, np.ndarray):
        value = value.view()
        value.flags.writeable = False
    return value


class Handle:
    """From ``add_hook``: ``remove()`` takes the hook away (as a context manager: at the end)."""

    def __init__(self, hooks, entry):
        self._hooks, self._entry = hooks, entry

    def remove(self):
        if self._entry in self._hooks:
            self._hooks.remove(self._entry)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Hookable:
    """Mixin for a network: ``self._hooks``, (fn, stages) pairs, and ``emit`` to call them."""

    def __init__(self):
        self._hooks = []

    def add_hook(self, fn, stages=None):
        """Call ``fn(event)`` for every event of the given stages (default: all).  Returns a
        Handle."""
        if not callable(fn):
            raise TypeError(f"add_hook: fn must be callable, got {type(fn).__name__}")
        stages = (
            STAGES if stages is None else ((stages,) if isinstance(stages, str) else tuple(stages))
        )
        for s in stages:
            if s not in STAGES:
                raise ValueError(f"add_hook: unknown stage {s!r}; choose from {', '.join(STAGES)}")
        entry = (fn, stages)
        self._hooks.append(entry)
        return Handle(self._hooks, entry)

    def has_hooks(self):
        return bool(self._hooks)

    def emit(self, stage, index, name, layer, **arrays):
        """Send an Event with read-only views of ``arrays`` to the hooks listening to ``stage``."""
        listening = [fn for fn, stages in self._hooks if stage in stages]
        if listening:
            event = Event(
                stage, index, name, layer, {key: readonly(a) for key, a in arrays.items()}
            )
            for fn in listening:
                fn(event)
