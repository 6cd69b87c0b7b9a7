"""Small data sets for learning backpropagation.  Every generator is seeded: the same arguments give
the same arrays.

    X (N, D_in) float64 inputs, a sample per row;  y (N,) int64 labels 0..K-1;  Y (N, D) targets.

Classification in 2-D (xor, moons, circles, spirals: X (n, 2), y (n,), balanced classes, ``noise``
the std of Gaussian jitter): none can be split by a straight line, hence hidden layers.
Regression: regression_1d.  Helpers: train_test_split, one_hot, minibatches.  Real data:
load_digits; load_names and Vocabulary (characters <-> ids).
"""

import gzip
from pathlib import Path

import numpy as np

from .validate import (
    as_generator,
    check_fraction,
    check_int,
    check_labels,
    check_positive,
    check_same_rows,
)

#: The course's assets/ and notebooks/: bplearn/_data/ in an installed wheel (setup.py copies them),
# else the checkout.
HERE = Path(__file__).resolve().parent
COURSE_FILES = HERE / "_data" if (HERE / "_data").is_dir() else HERE.parent
DIGITS_PATH = COURSE_FILES / "assets" / "digits.csv.gz"
NAMES_PATH = COURSE_FILES / "assets" / "names.txt.gz"


def _labels(n, k):
    """Balanced labels (n,): 0 repeated n // k (+1) times, then 1, ..."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return np.repeat(np.arange(k, dtype=np.int64), sizes)


def _shuffled(X, y, rng):
    """The rows in a random order, so the classes are mixed (matters for unshuffled minibatches)."""
    order = rng.permutation(len(y))
    return X[order], y[order]


def _checked(n, min_n, noise, seed):
    """The toy sets' common arguments, checked: n (at least min_n), noise (>= 0), a generator."""
    n = check_int(n, "n", min_n)
    return n, check_positive(noise, "noise", allow_zero=True), as_generator(seed)


def xor(n=200, noise=0.1, seed=0):
    """Points in the quadrants of [-1, 1]^2 (|x| >= 0.1 before noise); 1 where the signs differ."""
    n, noise, rng = _checked(n, 2, noise, seed)
    y = _labels(n, 2)
    size = rng.uniform(0.1, 1.0, size=(n, 2))  # away from the axes
    sign = rng.choice([-1.0, 1.0], size=n)
    other = np.where(y == 0, sign, -sign)  # same sign: class 0, opposite: class 1
    X = np.column_stack([sign * size[:, 0], other * size[:, 1]]) + noise * rng.standard_normal(
        (n, 2)
    )
    return _shuffled(X, y, rng)


def moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles: class 0 the upper half of the unit circle at (0, 0), class 1
    the lower half of the one at (1, 0.5)."""
    n, noise, rng = _checked(n, 2, noise, seed)
    y = _labels(n, 2)
    t = rng.uniform(0.0, np.pi, size=n)  # the angle along each half circle
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where((y == 0)[:, None], upper, lower) + noise * rng.standard_normal((n, 2))
    return _shuffled(X, y, rng)


def circles(n=200, noise=0.05, factor=0.5, seed=0):
    """A circle of radius ``factor`` (0 < factor < 1, class 1) inside one of radius 1 (class 0)."""
    n, noise, rng = _checked(n, 2, noise, seed)
    factor = check_fraction(factor, "factor")
    y = _labels(n, 2)
    t = rng.uniform(0.0, 2 * np.pi, size=n)
    radius = np.where(y == 0, 1.0, factor)
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)]) + noise * rng.standard_normal(
        (n, 2)
    )
    return _shuffled(X, y, rng)


def spirals(n=300, k=2, noise=0.2, seed=0):
    """``k`` spiral arms, one class each: the radius grows from 0 to 1 as the angle turns ~1.6
    times.

    Arm j starts at angle 2 pi j / k; ``noise`` is the std of jitter of each point's angle (in
    radians).
    """
    k = check_int(k, "k", 2)
    n, noise, rng = _checked(n, k, noise, seed)
    y = _labels(n, k)
    r = rng.uniform(0.0, 1.0, size=n)  # the position along the arm is the radius
    theta = 2 * np.pi * y / k + 10.0 * r + noise * rng.standard_normal(n)
    return _shuffled(r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)]), y, rng)


def regression_1d(n=100, noise=0.1, seed=0):
    """A noisy sine: X (n, 1) uniform in [-pi, pi], sorted; Y = sin(X) + noise * N(0, 1) (n, 1)."""
    n, noise, rng = _checked(n, 1, noise, seed)
    X = np.sort(rng.uniform(-np.pi, np.pi, size=(n, 1)), axis=0)
    return X, np.sin(X) + noise * rng.standard_normal((n, 1))


def train_test_split(X, y, test_size=0.25, seed=0):
    """Shuffle the rows of X and y together and split them: X_train, X_test, y_train, y_test."""
    X, y = check_same_rows(X, y, "X", "y")
    test_size = check_fraction(test_size, "test_size")
    n = len(X)
    if n < 2:
        raise ValueError(f"X must have at least 2 samples to split, got {n}")
    n_test = min(max(int(np.ceil(test_size * n)), 1), n - 1)
    order = as_generator(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def one_hot(y, k=None):
    """Labels y (N,) -> float64 rows (N, k), 1.0 in column y[i] (k: by default max(y) + 1)."""
    y = check_labels(y, None, "y").astype(np.int64)
    k = check_int(int(y.max()) + 1 if y.size else 1, "k") if k is None else check_int(k, "k")
    if y.size and y.max() >= k:
        raise ValueError(
            f"k must be larger than every label: got k={k} but y contains the label {int(y.max())}"
        )
    return np.eye(k)[y]  # row y[i] of the identity matrix


def minibatches(X, y, batch_size, shuffle=True, rng=None):
    """One pass (epoch) over the data: (Xb, yb) pairs of ``batch_size`` rows (the last may hold
    fewer).

    With shuffle=True the order is a permutation drawn from ``rng`` (a Generator, an int seed, or
    None): the same Generator every epoch gives a new, reproducible order each time.  Checks run at
    the call.
    """
    X, y = check_same_rows(X, y, "X", "y")
    batch_size = check_int(batch_size, "batch_size")
    order = as_generator(rng, "rng").permutation(len(X)) if shuffle else np.arange(len(X))

    def batches():
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            yield X[idx], y[idx]

    return batches()


def load_digits():
    """The 1,797 8x8 handwritten digits (UCI Optical Recognition of Handwritten Digits, test set).

    DIGITS_PATH (source and licence: assets/README.md) holds 64 pixel counts 0..16 and the digit per
    row. Returns X (1797, 64) in [0, 1] (counts / 16; X[i].reshape(8, 8) is the image) and y (1797,)
    in
    0..9.
    """
    table = np.loadtxt(DIGITS_PATH, delimiter=",")  # numpy decompresses .gz files itself
    return table[:, :64] / 16.0, table[:, 64].astype(np.int64)


def load_names(seed=0, val_fraction=0.1):
    """The 5,163 distinct first names of the US Census 1990 lists, lowercase a-z, 2 to 11 letters.

    NAMES_PATH (source, format, licence: assets/README.md) holds them sorted.  Returns (train, val),
    two lists of str shuffled with ``seed`` (neighbours are unrelated); val has a ``val_fraction``.
    """
    val_fraction = check_fraction(val_fraction, "val_fraction")
    with gzip.open(NAMES_PATH, "rt", encoding="ascii") as f:
        names = f.read().split()
    order = as_generator(seed).permutation(len(names))
    n_val = round(val_fraction * len(names))
    return [names[i] for i in order[n_val:]], [names[i] for i in order[:n_val]]


class Vocabulary:
    """The characters of some texts, one id each: "." (id 0, where a name starts and ends) and the
    others sorted.  ``encode(text)`` -> int64 ids (len(text),); ``decode(ids)`` -> str."""

    def __init__(self, texts):
        self.chars = "." + "".join(sorted(set("".join(texts)) - {"."}))

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        unknown = sorted(set(text) - set(self.chars))
        if unknown:
            raise ValueError(f"encode: text has characters not in the vocabulary: {unknown}")
        return np.array([self.chars.index(c) for c in text], dtype=np.int64)

    def decode(self, ids):
        return "".join(self.chars[i] for i in np.ravel(ids))
