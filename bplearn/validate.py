"""Input checks that turn bad input into errors a learner can act on.

Every message names the argument, what was expected and what was given,
so a mistake is caught at the door instead of deep inside numpy.
"""
import numpy as np


def describe(x):
    """A short description of a value for error messages: its type, shape and dtype."""
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}" if np.isscalar(x) else f"a {type(x).__name__}"


def as_float_array(x, name, ndim=None, allow_empty=False):
    """Return ``x`` as a float array (float32 stays float32, everything else becomes float64).

    Raises TypeError for non-numeric input and ValueError for a wrong number of
    dimensions, an empty batch, or NaN/infinite values.
    """
    if isinstance(x, np.ndarray) and x.dtype == np.float32:
        arr = x
    else:
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be an array of numbers, got {describe(x)}") from None
    if ndim is not None and arr.ndim != ndim:
        expected = {1: "a 1-D array", 2: "a 2-D array of shape (N, D)"}.get(ndim, f"{ndim} dimensions")
        raise ValueError(f"{name} must be {expected}, got {describe(arr)}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty (shape {arr.shape}): a batch needs at least one example")
    if not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "infinite"
        raise ValueError(f"{name} contains {bad} values; check the data or the previous step")
    return arr


def check_labels(y, n_classes, name="y"):
    """Return integer class labels ``y`` of shape (N,) after checking dtype and range [0, n_classes)."""
    arr = np.asarray(y)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and arr.size and np.all(arr == np.round(arr)) and arr.ndim == 1:
            raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}; "
                            "convert the labels with .astype(int)")
        raise TypeError(f"{name} must be integer class labels of shape (N,), got {describe(arr)}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (N,), got shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(f"{name} must be class labels in 0..{n_classes - 1} (the logits have "
                         f"{n_classes} columns), got values from {arr.min()} to {arr.max()}")
    return arr


def check_positive(value, name):
    """Return ``value`` as a float after checking it is a finite number > 0."""
    if isinstance(value, bool) or not np.isscalar(value) or not np.isreal(value):
        raise TypeError(f"{name} must be a positive number, got {describe(value)}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value}")
    return float(value)


def check_positive_int(value, name):
    """Return ``value`` as an int after checking it is an integer >= 1 (True and 2.0 are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_same_shape(a, b, name_a, name_b):
    """Raise ValueError unless arrays ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, "
                         f"got {a.shape} and {b.shape}")


def check_choice(value, name, choices):
    """Raise ValueError unless ``value`` is one of ``choices`` (and list the valid ones)."""
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"unknown {name} {value!r}; choose one of {valid}")
    return value
