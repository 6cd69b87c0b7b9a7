"""Input checks whose errors name the argument, what was expected and what was given."""

import numpy as np


def describe(x):
    """A short description of a value for error messages: its type, shape and dtype."""
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}" if np.isscalar(x) else f"a {type(x).__name__}"


def as_float_array(x, name, ndim=None):
    """``x`` as a finite, non-empty float array (float32 stays float32, the rest is float64)."""
    keep = isinstance(x, np.ndarray) and x.dtype == np.float32
    try:
        arr = x if keep else np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {describe(x)}") from None
    if ndim is not None and arr.ndim not in np.atleast_1d(ndim):
        shapes = {2: "a 2-D array of shape (N, D)", 3: "a sequence of shape (N, T, D)"}
        expected = " or ".join(shapes[n] for n in np.atleast_1d(ndim))
        raise ValueError(f"{name} must be {expected}, got {describe(arr)}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}): a batch needs at least one example")
    if not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "infinite"
        raise ValueError(f"{name} contains {bad} values; check the data or the previous step")
    return arr


def check_labels(y, n_classes=None, name="y"):
    """Integer class labels ``y`` (N,), dtype, shape and range checked: 0..n_classes-1 (or >= 0)."""
    arr = np.asarray(y)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and arr.size and np.all(arr == np.round(arr)) and arr.ndim == 1:
            raise TypeError(
                f"{name} must hold integer class labels, got dtype {arr.dtype}; "
                "convert the labels with .astype(int)"
            )
        raise TypeError(f"{name} must be integer class labels of shape (N,), got {describe(arr)}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (N,), got shape {arr.shape}")
    if arr.size and (arr.min() < 0 or (n_classes is not None and arr.max() >= n_classes)):
        expected = (
            ">= 0"
            if n_classes is None
            else f"in 0..{n_classes - 1} (the logits have {n_classes} columns)"
        )
        raise ValueError(
            f"{name} must be class labels {expected}, got values from {arr.min()} to {arr.max()}"
        )
    return arr


def check_int(value, name, minimum=1):
    """``value`` as an int, checked to be an integer >= minimum (True and 2.0 are refused)."""
    expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be {expected}, got {describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be {expected}, got {value}")
    return int(value)


def check_positive(value, name, allow_zero=False):
    """``value`` as a float, checked to be a finite number > 0 (or >= 0 with allow_zero)."""
    expected = "a number >= 0" if allow_zero else "a positive number"
    if isinstance(value, bool) or not np.isscalar(value) or not np.isreal(value):
        raise TypeError(f"{name} must be {expected}, got {describe(value)}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {expected}, got {value}")
    return float(value)


def check_fraction(value, name):
    """Return ``value`` as a float after checking 0 < value < 1."""
    number = not isinstance(value, bool) and np.isscalar(value) and np.isreal(value)
    if not (number and 0 < value < 1):
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def as_generator(seed, name="seed"):
    """A numpy Generator from an int seed >= 0, a Generator (used as it is), None (fresh ones)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(
            f"{name} must be a non-negative integer, a numpy Generator or None, got"
            f" {describe(seed)}"
        )
    return np.random.default_rng(int(seed))


def check_same_rows(X, y, name_X, name_y):
    """X and y as arrays, checked to have the same number of rows (one per sample)."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"{name_X} and {name_y} must have the same number of samples (rows), got {name_X} of "
            f"shape {X.shape} and {name_y} of shape {y.shape}"
        )
    return X, y
