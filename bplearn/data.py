"""Small data sets for learning backpropagation (numpy only).

Every generator is seeded: the same arguments always give the same arrays.
Shapes follow the course notation:

    X  (N, D_in) float64   inputs, one sample per row
    y  (N,)      int64     integer class labels 0..K-1 (classification)
    Y  (N, D)    float64   real-valued targets (regression)

Toy classification sets (all 2-D, so you can plot them):

    xor(n, noise, seed)              2 classes, opposite quadrants share a label
    moons(n, noise, seed)            2 interleaving half circles
    circles(n, noise, factor, seed)  a small circle inside a large one
    spirals(n, k, noise, seed)       k spiral arms, one class per arm

None of these can be separated by a straight line; that is why we need
hidden layers.  Classes are balanced: the class sizes differ by at most one.

Helpers: regression_1d, train_test_split, one_hot, minibatches, load_digits.
"""

from __future__ import annotations

import gzip
import numbers
from pathlib import Path

import numpy as np

from ._course_files import digits_path

__all__ = [
    "xor",
    "moons",
    "circles",
    "spirals",
    "regression_1d",
    "train_test_split",
    "one_hot",
    "minibatches",
    "load_digits",
    "DIGITS_PATH",
]

#: Where load_digits() looks for the 8x8 digits: the package data of an installed wheel,
#: or the repository's assets/ folder in a checkout (see _course_files.py).
DIGITS_PATH = digits_path()


# ---------------------------------------------------------------------------
# Tiny argument checks. Each error names the argument, what was expected and
# what was given, so a learner can fix the call without reading this file.
# ---------------------------------------------------------------------------

def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_int(value, name: str, minimum: int) -> int:
    if not _is_int(value):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {value!r} "
            f"(type {type(value).__name__})"
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def _check_noise(value, name: str = "noise") -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(
            f"{name} must be a number >= 0, got {value!r} (type {type(value).__name__})"
        )
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def _rng(seed, name: str = "seed") -> np.random.Generator:
    """A numpy Generator from an int seed, an existing Generator, or None (fresh)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if not _is_int(seed) or seed < 0:
        raise TypeError(
            f"{name} must be a non-negative integer, a numpy Generator or None, "
            f"got {seed!r} (type {type(seed).__name__})"
        )
    return np.random.default_rng(int(seed))


def _check_same_length(X, y, x_name: str = "X", y_name: str = "y"):
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        bad = x_name if X.ndim == 0 else y_name
        raise ValueError(f"{bad} must be an array with one row per sample, got a scalar")
    if len(X) != len(y):
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of samples (rows), got "
            f"{x_name} with {len(X)} (shape {X.shape}) and {y_name} with {len(y)} (shape {y.shape})"
        )
    return X, y


def _class_sizes(n: int, k: int) -> np.ndarray:
    """Split n samples into k classes whose sizes differ by at most one."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return sizes


def _labels(n: int, k: int) -> np.ndarray:
    """Balanced labels: 0 repeated sizes[0] times, then 1, ... (shape (n,), int64)."""
    return np.repeat(np.arange(k, dtype=np.int64), _class_sizes(n, k))


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    """Shuffle rows so that the classes are mixed (matters for unshuffled minibatches)."""
    order = rng.permutation(len(y))
    return X[order].astype(np.float64), y[order].astype(np.int64)


# ---------------------------------------------------------------------------
# Toy classification data sets
# ---------------------------------------------------------------------------

def xor(n: int = 200, noise: float = 0.1, seed=0):
    """The XOR problem: points in the four quadrants, opposite quadrants share a label.

    Points are uniform in the square [-1, 1] x [-1, 1] away from the axes
    (|x| >= 0.1), then jittered by Gaussian noise of standard deviation
    ``noise``.  Label 1 where the two coordinates have different signs
    (top-left and bottom-right), label 0 where they agree.

    Returns
    -------
    X : float64 array, shape (n, 2)
    y : int64 array, shape (n,), values in {0, 1}, balanced.
    """
    n = _check_int(n, "n", 2)
    noise = _check_noise(noise)
    rng = _rng(seed)
    y = _labels(n, 2)
    # Magnitudes away from the axes, and a random sign for the first coordinate.
    mag = rng.uniform(0.1, 1.0, size=(n, 2))
    s1 = rng.choice([-1.0, 1.0], size=n)
    s2 = np.where(y == 0, s1, -s1)          # same sign -> class 0, opposite -> class 1
    X = np.column_stack([s1 * mag[:, 0], s2 * mag[:, 1]])
    X = X + noise * rng.standard_normal((n, 2))
    return _shuffled(X, y, rng)


def moons(n: int = 200, noise: float = 0.1, seed=0):
    """Two interleaving half circles ("moons").

    Class 0 lies on the upper half of the unit circle centred at (0, 0);
    class 1 on the lower half of the unit circle centred at (1, 0.5).
    Gaussian noise of standard deviation ``noise`` is added to both coordinates.

    Returns
    -------
    X : float64 array, shape (n, 2)
    y : int64 array, shape (n,), values in {0, 1}, balanced.
    """
    n = _check_int(n, "n", 2)
    noise = _check_noise(noise)
    rng = _rng(seed)
    y = _labels(n, 2)
    t = rng.uniform(0.0, np.pi, size=n)      # angle along each half circle
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where((y == 0)[:, None], upper, lower)
    X = X + noise * rng.standard_normal((n, 2))
    return _shuffled(X, y, rng)


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, seed=0):
    """A small circle (class 1) inside a large one (class 0).

    The outer circle has radius 1, the inner one radius ``factor`` (0 < factor < 1).
    Gaussian noise of standard deviation ``noise`` is added to both coordinates.

    Returns
    -------
    X : float64 array, shape (n, 2)
    y : int64 array, shape (n,), values in {0, 1}, balanced.
    """
    n = _check_int(n, "n", 2)
    noise = _check_noise(noise)
    if not isinstance(factor, numbers.Real) or isinstance(factor, bool) or not 0 < factor < 1:
        raise ValueError(f"factor must be a number strictly between 0 and 1, got {factor!r}")
    rng = _rng(seed)
    y = _labels(n, 2)
    t = rng.uniform(0.0, 2 * np.pi, size=n)
    radius = np.where(y == 0, 1.0, float(factor))
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    X = X + noise * rng.standard_normal((n, 2))
    return _shuffled(X, y, rng)


def spirals(n: int = 300, k: int = 2, noise: float = 0.2, seed=0):
    """``k`` interleaved spiral arms, one class per arm.

    Along each arm the radius grows from 0 to 1 while the angle turns by
    about 1.6 full turns; arm j starts at angle 2*pi*j/k.  ``noise`` is the
    standard deviation (in radians) of Gaussian jitter added to each point's
    angle, so points near the centre move less than points further out.

    Returns
    -------
    X : float64 array, shape (n, 2), inside the unit disc
    y : int64 array, shape (n,), values in 0..k-1, balanced.
    """
    k = _check_int(k, "k", 2)
    n = _check_int(n, "n", k)
    noise = _check_noise(noise)
    rng = _rng(seed)
    y = _labels(n, k)
    r = rng.uniform(0.0, 1.0, size=n)        # position along the arm = radius
    theta = 2 * np.pi * y / k + 10.0 * r + noise * rng.standard_normal(n)
    X = r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    return _shuffled(X, y, rng)


# ---------------------------------------------------------------------------
# Regression
# ---------------------------------------------------------------------------

def regression_1d(n: int = 100, noise: float = 0.1, seed=0):
    """A noisy sine wave: Y = sin(X) + noise * N(0, 1), X uniform in [-pi, pi].

    Rows are sorted by X so that ``plt.plot(X, Y_hat)`` draws a clean curve.

    Returns
    -------
    X : float64 array, shape (n, 1)
    Y : float64 array, shape (n, 1)
    """
    n = _check_int(n, "n", 1)
    noise = _check_noise(noise)
    rng = _rng(seed)
    X = np.sort(rng.uniform(-np.pi, np.pi, size=(n, 1)), axis=0)
    Y = np.sin(X) + noise * rng.standard_normal((n, 1))
    return X.astype(np.float64), Y.astype(np.float64)


# ---------------------------------------------------------------------------
# Splitting, encoding and batching
# ---------------------------------------------------------------------------

def train_test_split(X, y, test_size: float = 0.25, seed=0):
    """Shuffle the rows and split them into a training part and a test part.

    ``X`` and ``y`` may have any shape as long as their first dimensions (N)
    agree; rows stay paired.  The test part gets ceil(test_size * N) rows,
    at least one, and the training part keeps at least one.  Deterministic
    for a given ``seed``; not stratified.

    Returns
    -------
    X_tr, X_te, y_tr, y_te : arrays with N_tr + N_te = N rows in total.
    """
    X, y = _check_same_length(X, y)
    if not isinstance(test_size, numbers.Real) or isinstance(test_size, bool) \
            or not 0 < test_size < 1:
        raise ValueError(
            f"test_size must be a fraction strictly between 0 and 1, got {test_size!r}"
        )
    n = len(X)
    if n < 2:
        raise ValueError(f"X must have at least 2 samples to split, got {n}")
    n_test = min(max(int(np.ceil(test_size * n)), 1), n - 1)
    order = _rng(seed).permutation(n)
    te, tr = order[:n_test], order[n_test:]
    return X[tr], X[te], y[tr], y[te]


def one_hot(y, k: int | None = None):
    """Turn integer labels into one-hot rows.

    Parameters
    ----------
    y : integer array-like, shape (N,), values in 0..k-1
    k : number of classes; default max(y) + 1

    Returns
    -------
    float64 array, shape (N, k); row i has a single 1.0 in column y[i].
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of integer labels, shape (N,), got shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        raise TypeError(
            f"y must hold integer class labels (0, 1, 2, ...), got dtype {y.dtype}; "
            f"if the values are whole numbers use y.astype(int)"
        )
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise ValueError(f"y must hold labels >= 0, got a label {int(y.min())}")
    if k is None:
        k = int(y.max()) + 1 if y.size else 1
    k = _check_int(k, "k", 1)
    if y.size and y.max() >= k:
        raise ValueError(
            f"k must be larger than every label: got k={k} but y contains the label {int(y.max())}"
        )
    out = np.zeros((len(y), k), dtype=np.float64)
    out[np.arange(len(y)), y] = 1.0
    return out


def minibatches(X, y, batch_size: int, shuffle: bool = True, rng=None):
    """Yield ``(Xb, yb)`` pairs that together cover every sample exactly once.

    One call is one pass (epoch) over the data.  Batches have ``batch_size``
    rows except possibly the last, which holds what is left.  With
    ``shuffle=True`` the order is a random permutation drawn from ``rng``
    (a numpy Generator, an int seed, or None for fresh randomness); pass the
    same Generator every epoch to get a new, reproducible order each time.

    Arguments are checked when you call the function, before the first batch.

    Yields
    ------
    Xb : rows of X, shape (B, ...) with B <= batch_size
    yb : the matching rows of y, shape (B, ...)
    """
    X, y = _check_same_length(X, y)
    batch_size = _check_int(batch_size, "batch_size", 1)
    n = len(X)
    order = _rng(rng, "rng").permutation(n) if shuffle else np.arange(n)

    def batches():
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            yield X[idx], y[idx]

    return batches()


# ---------------------------------------------------------------------------
# Real data: 8x8 handwritten digits
# ---------------------------------------------------------------------------

def load_digits():
    """The 1,797 8x8 handwritten digits (UCI Optical Recognition of Handwritten Digits).

    Read from ``assets/digits.csv.gz`` (package data of an installed bplearn, or
    the repository's file; see assets/README.md for its source and licence).
    Each row of the file is 64 pixel counts 0..16 followed by the digit.  Pixels are divided by 16 so they lie in [0, 1].
    Reshape a row with ``X[i].reshape(8, 8)`` to see the image.

    Returns
    -------
    X : float64 array, shape (1797, 64), values in [0, 1]
    y : int64 array, shape (1797,), values in 0..9
    """
    path = DIGITS_PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"The digits data file was not found at {path}. An installed bplearn carries it as "
            f"package data (reinstall with `pip install --force-reinstall bplearn`); a checkout "
            f"reads assets/digits.csv.gz (restore it with `git checkout -- assets/digits.csv.gz`)."
        )
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", ndmin=2)
    if table.shape != (1797, 65):
        raise ValueError(
            f"{path} should hold 1797 rows of 65 numbers (64 pixels and a label), "
            f"got shape {table.shape}; the file may be damaged"
        )
    X = table[:, :64] / 16.0
    y = table[:, 64].astype(np.int64)
    return X.astype(np.float64), y
