"""What an answer returns, named by dataclasses (a leaf: numpy and the evidence leaf only).

Output(name, kind)      one declared output: an array, a number ("float") or a list of arrays
Leaf(position, name, index)   one array of an answer: dW, or clipped[1] (item 1 of a list)
flatten(outputs, out)   (leaves, problem): {Leaf: array}, or a sentence saying what is wrong
"""

from dataclasses import dataclass

import numpy as np

from .evidence import describe

KINDS = ("array", "float", "list")


@dataclass(frozen=True)
class Output:
    """One output of an exercise's function: ``Output("db", "float")``, ``Output("clipped",
    "list")``.

    kind  "array" (the default), "float" (a single number) or "list" (a list of arrays)
    """

    name: str
    kind: str = "array"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Output kind: expected one of {KINDS}, got {self.kind!r}")

    @classmethod
    def of(cls, value):
        """``value`` as an Output: an Output, or a plain name (an array output)."""
        if isinstance(value, Output):
            return value
        if not isinstance(value, str) or not value.isidentifier():
            raise ValueError(
                f"outputs: expected an Output or a plain name like 'dW', got {value!r}"
                " (write Output('db', 'float') for a number, Output('clipped', 'list') for a list)"
            )
        return cls(value)


@dataclass(frozen=True, order=True)
class Leaf:
    """One array of an answer: the output ``name`` at ``position`` in the return value, or item
    ``index`` of a list output.  Leaves sort in output order, then list order."""

    position: int
    name: str
    index: int = -1  # -1: the output itself, not an item of a list

    def __str__(self):
        return self.name if self.index < 0 else f"{self.name}[{self.index}]"


def flatten(outputs, out):
    """(leaves, problem): {Leaf: array} in output order, or None and a sentence saying what is
    wrong with ``out``, the value a function with these ``outputs`` returned."""
    if len(outputs) > 1:
        if not isinstance(out, (tuple, list)) or len(out) != len(outputs):
            names = ", ".join(o.name for o in outputs)
            return None, (
                f"should return {len(outputs)} values ({names}); it returned {describe(out)}."
            )
        values = list(out)
    else:
        values = [out]
    leaves = {}
    for position, (output, value) in enumerate(zip(outputs, values)):
        if output.kind == "list":
            if not isinstance(value, (list, tuple)):
                return None, (
                    f"should return {output.name} as a list of arrays; yours is {describe(value)}."
                )
            items = [(Leaf(position, output.name, j), v) for j, v in enumerate(value)]
        else:
            items = [(Leaf(position, output.name), value)]
        for leaf, v in items:
            arr = as_number_array(v)
            if arr is None:
                want = "a number" if output.kind == "float" else "an array"
                return None, f"should return {leaf} as {want}; yours is {describe(v)}."
            if output.kind == "float" and arr.ndim != 0:
                return None, (
                    f"should return {leaf} as a single number; yours is an array of shape"
                    f" {arr.shape}."
                )
            leaves[leaf] = arr
    return leaves, None


def as_number_array(v):
    """``v`` as a numeric array (numbers, numpy scalars, arrays, nested lists of numbers), else
    None."""
    if v is None or isinstance(v, (str, dict)):
        return None
    try:
        arr = np.asarray(v)
    except Exception:
        return None
    return arr if arr.dtype.kind in "biuf" else None
