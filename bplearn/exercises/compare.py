"""Comparing a learner's numbers with the expected ones (a leaf: numpy only, nothing of bplearn).

"Close" has one definition here, used by every check: ``got`` has ``expected``'s shape and no entry
is further from ``expected`` than ``rtol`` times the largest entry of ``expected``.  The tolerance
belongs to the case (1e-4 for float32 inputs, 1e-7 for float64, or what the exercise sets).

compare(expected, got, rtol)    None when close, else "shape", "nonfinite" or "values"
close(expected, got, rtol)      True when close
same(original, now, rtol)       an argument unchanged (exactly, or restored: close within rtol)
transposed(expected, got, rtol) the right numbers, transposed
factor(expected, got)           the constant c with got = c * expected, or None
first_difference(name, e, g)    "at dW[1, 0] yours is 0.3, expected 0.2"
"""

import numpy as np


def compare(expected, got, rtol):
    """None when ``got`` equals ``expected`` within rtol (relative to the largest entry), else the
    kind of failure."""
    e = np.asarray(expected, dtype=np.float64)
    g = np.asarray(got, dtype=np.float64)
    if g.shape != e.shape:
        return "shape"
    finite = np.isfinite(e)
    if not np.all(np.isfinite(g[finite])):
        return "nonfinite"
    if np.any(g[~finite] != e[~finite]):
        return "values"
    if e.size == 0:
        return None
    scale = max(float(np.max(np.abs(e[finite]), initial=0.0)), 1e-12)
    if float(np.max(np.abs(g[finite] - e[finite]), initial=0.0)) > rtol * scale:
        return "values"
    return None


def close(expected, got, rtol):
    """True when ``got`` equals ``expected`` within rtol (relative to the largest entry)."""
    return compare(expected, got, rtol) is None


def same(original, now, rtol=None):
    """True when ``now`` is ``original`` exactly (rtol None) or within rtol (an argument nudged and
    restored)."""
    if rtol is None:
        return np.array_equal(original, now, equal_nan=True)
    return close(original, now, rtol)


def transposed(expected, got, rtol):
    """True when ``got`` is ``expected`` transposed (a 2-D array)."""
    return expected.ndim == 2 and got.shape == expected.shape[::-1] and close(expected.T, got, rtol)


def factor(expected, got, rtol=1e-3):
    """The constant c with got = c * expected (least squares; the residual within rtol of the
    largest entry).

    None when no constant fits; nan when both are all zero (any constant fits)."""
    e, g = np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64)
    if e.shape != g.shape or not (np.all(np.isfinite(e)) and np.all(np.isfinite(g))):
        return None
    denom = float(np.sum(e * e))
    if denom == 0.0:
        return None if np.any(g != 0) else float("nan")
    c = float(np.sum(g * e)) / denom
    if np.max(np.abs(g - c * e)) > rtol * max(abs(c) * np.max(np.abs(e)), 1e-30):
        return None
    return c


def first_difference(name, e, g):
    """Where ``g`` differs most from ``e``, in words."""
    e64, g64 = e.astype(np.float64), g.astype(np.float64)
    if e.ndim == 0:
        return f"yours is {g64.item():.6g}, expected {e64.item():.6g}"
    diff = np.abs(np.where(np.isfinite(g64), g64, np.inf) - e64)
    idx = np.unravel_index(int(np.argmax(diff)), e.shape)
    where = ", ".join(str(int(j)) for j in idx)
    return f"at {name}[{where}] yours is {g64[idx]:.6g}, expected {e64[idx]:.6g}"
