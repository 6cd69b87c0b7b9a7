"""Evidence: what a learner's answer did, as plain data (no learner objects, no code).

An exercise first *collects* evidence by running the learner's answer (in the notebook, or in the
grader's kernel), then *judges* it.  Evidence is made of None, bools, numbers, strings, numpy arrays
of numbers, and lists, tuples and dicts of these; anything else the learner returns becomes an
``Opaque`` description.  So evidence can be written to disk by an untrusted kernel (``dump``) and
read back by the grader (``load``) without unpickling or running anything.
"""

import json
import linecache
import os
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_ARRAY_SIZE = 2_000_000  # entries; anything bigger is described, not kept
MAX_TEXT = 400
MAX_EVIDENCE_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Opaque:
    """Something the learner returned that is not data: its type name and a short repr."""

    type: str
    repr: str = ""

    def __str__(self):
        return f"a {self.type}"


def to_data(value, _depth=0):
    """``value`` as evidence data: arrays are copied, unknown objects become ``Opaque``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, str) and len(value) > MAX_TEXT:
            return value[:MAX_TEXT] + "…"
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return np.array(value)[()]  # a numpy scalar keeps its dtype
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return Opaque("ndarray", f"array of dtype {value.dtype} and shape {value.shape}")
        if value.size > MAX_ARRAY_SIZE:
            return Opaque("ndarray", f"array of shape {value.shape} (too large to check)")
        return np.array(value, copy=True)
    if _depth < 4 and isinstance(value, (list, tuple)) and len(value) <= 64:
        items = [to_data(v, _depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if (
        _depth < 4
        and isinstance(value, dict)
        and len(value) <= 64
        and all(isinstance(k, str) for k in value)
    ):
        return {k: to_data(v, _depth + 1) for k, v in value.items()}
    return Opaque(type(value).__name__, _short_repr(value))


def _short_repr(value):
    try:
        text = repr(value)
    except Exception:  # a learner's object may fail even at repr
        return ""
    return text if len(text) <= 80 else text[:77] + "..."


def describe(value):
    """A learner-facing description of a data value: 'an array of shape (3, 2)', 'a float',
    'None'."""
    if value is None:
        return "None"
    if isinstance(value, Opaque):
        return value.repr if value.type == "ndarray" and value.repr else f"a {value.type}"
    if isinstance(value, np.ndarray):
        return (
            f"an array of shape {value.shape}" if value.ndim else f"a number (numpy {value.dtype})"
        )
    if isinstance(value, np.generic):
        return f"a number (numpy {value.dtype})"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"a {type(value).__name__}"


# ---------------------------------------------------------------- exceptions

_LIBRARY_DIRS = tuple(
    os.path.realpath(p)
    for p in {
        os.path.dirname(np.__file__),
        os.path.dirname(os.path.dirname(__file__)),  # bplearn itself
        os.path.dirname(os.__file__),  # the standard library
    }
)


def error_data(exc):
    """An exception as data: its type and message, and the line of the learner's code it came
    from."""
    data = {
        "type": type(exc).__name__,
        "message": _short_text(exc),
        "line": None,
        "lineno": None,
        "function": None,
    }
    frame = None
    for entry in traceback.extract_tb(exc.__traceback__):
        path = (
            os.path.realpath(entry.filename)
            if entry.filename and not entry.filename.startswith("<")
            else ""
        )
        if path.startswith(_LIBRARY_DIRS) or "site-packages" in path:
            continue
        frame = entry  # the deepest frame in the learner's own code wins
    if frame is not None:
        line = frame.line or linecache.getline(frame.filename, frame.lineno).strip()
        data.update(line=line[:MAX_TEXT] or None, lineno=frame.lineno, function=frame.name)
    return data


def _short_text(exc):
    try:
        text = str(exc)
    except Exception:
        text = ""
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def describe_error(err):
    """'ValueError: matmul: ... \\n  in your code, line 4 (in linear_backward): dX = dZ @ W'."""
    text = err["type"] + (f": {err['message']}" if err.get("message") else "")
    if err.get("line"):
        where = f"line {err['lineno']}" + (
            f" (in {err['function']})" if err.get("function") not in (None, "<module>") else ""
        )
        text += f"\nin your code, {where}: {err['line']}"
    return text


# ---------------------------------------------------------------- to and from disk


def dump(evidence, path):
    """Write ``evidence`` as PATH.json (structure) and PATH.npz (arrays)."""
    arrays = {}

    def encode(v):
        if isinstance(v, np.ndarray):
            key = f"a{len(arrays)}"
            arrays[key] = v
            return {"__array__": key}
        if isinstance(v, np.generic):
            key = f"a{len(arrays)}"
            arrays[key] = np.array(v)
            return {"__scalar__": key}
        if isinstance(v, float) and not np.isfinite(v):
            return {"__float__": repr(v)}
        if isinstance(v, tuple):
            return {"__tuple__": [encode(x) for x in v]}
        if isinstance(v, list):
            return [encode(x) for x in v]
        if isinstance(v, dict):
            return {"__dict__": {k: encode(x) for k, x in v.items()}}
        if isinstance(v, Opaque):
            return {"__opaque__": [v.type, v.repr]}
        return v

    path = Path(path)
    structure = json.dumps(encode(evidence))
    np.savez(path.with_suffix(".npz"), **arrays)
    path.with_suffix(".json").write_text(structure)


def load(path):
    """Read evidence written by ``dump``; never unpickles.  Raises ValueError when it is
    malformed."""
    path = Path(path)
    files = (path.with_suffix(".json"), path.with_suffix(".npz"))
    if sum(f.stat().st_size for f in files) > MAX_EVIDENCE_BYTES:
        raise ValueError("evidence too large")
    structure = json.loads(files[0].read_text())
    with np.load(files[1], allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}

    def decode(v):
        if isinstance(v, list):
            return [decode(x) for x in v]
        if isinstance(v, dict):
            if len(v) != 1:
                raise ValueError("malformed evidence")
            ((tag, x),) = v.items()
            if tag == "__array__":
                return arrays[x]
            if tag == "__scalar__":
                return arrays[x][()]
            if tag == "__float__":
                return float(x)
            if tag == "__tuple__":
                return tuple(decode(i) for i in x)
            if tag == "__dict__":
                return {str(k): decode(i) for k, i in x.items()}
            if tag == "__opaque__":
                return Opaque(str(x[0]), str(x[1]))
            raise ValueError("malformed evidence")
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        raise ValueError("malformed evidence")

    return decode(structure)
