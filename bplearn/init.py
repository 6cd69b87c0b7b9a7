"""Weight initialisation.  Every initialiser is a function (n_in, n_out, rng) -> W (n_in, n_out).

Why the scale matters: with Z = X @ W, each unit of Z sums n_in terms, so Var(Z) = n_in * Var(W) *
Var(X). The normalised ones keep Var(Z) (and, backwards, Var(dX)) constant from layer to layer.
"""

import numpy as np


def zeros(n_in, n_out, rng=None):
    """W = 0.  Every unit computes the same and gets the same gradient: symmetry is never broken."""
    return np.zeros((n_in, n_out))


def normal(std=1.0):
    """An initialiser drawing W ~ N(0, std**2), whatever the layer size."""
    if not np.isfinite(std) or std < 0:
        raise ValueError(f"normal: std must be a non-negative number, got {std!r}")

    def normal_init(n_in, n_out, rng):
        return rng.normal(0.0, std, size=(n_in, n_out))

    return normal_init


def xavier_uniform(n_in, n_out, rng):
    """Glorot & Bengio (2010): W ~ U(-a, a), a = sqrt(6 / (n_in + n_out)): Var(W) = a**2 / 3, the
    2 / (n_in + n_out) of xavier_normal."""
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


def xavier_normal(n_in, n_out, rng):
    """Glorot & Bengio (2010): W ~ N(0, 2 / (n_in + n_out)).  Keeps tanh's variance both ways."""
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))


def he_normal(n_in, n_out, rng):
    """He et al. (2015): W ~ N(0, 2 / n_in): ReLU zeroes half its inputs, the 2 makes up for it."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


def he_uniform(n_in, n_out, rng):
    """He et al. (2015): W ~ U(-a, a), a = sqrt(6 / n_in), so Var(W) = 2 / n_in."""
    a = np.sqrt(6.0 / n_in)
    return rng.uniform(-a, a, size=(n_in, n_out))


INITIALIZERS = {
    "zeros": zeros,
    "normal": normal(1.0),
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}


def get(init):
    """An initialiser from its name (one of INITIALIZERS) or a function (n_in, n_out, rng) -> W."""
    if callable(init):
        return init
    if init not in INITIALIZERS:
        raise ValueError(
            f"unknown init {init!r}; choose one of {', '.join(map(repr, INITIALIZERS))} "
            "or pass a function (n_in, n_out, rng) -> W"
        )
    return INITIALIZERS[init]
