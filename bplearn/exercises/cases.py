"""Helpers to build test cases, and the trusted test functions for exercises that take a function.

Cases are built from an ``rng`` seeded by the exercise id, so the notebook, the grader and
``bplearn progress`` all check exactly the same inputs.
"""
import numpy as np

F32, F64 = np.float32, np.float64


def normal(rng, shape, dtype=F64, scale=1.0):
    """Standard-normal entries times ``scale``, as ``dtype``."""
    return (scale * rng.standard_normal(shape)).astype(dtype)


def with_zeros(rng, shape, dtype=F64, fraction=0.3):
    """Normal entries with about ``fraction`` of them exactly 0 (where a ReLU's derivative is a choice)."""
    Z = normal(rng, shape, dtype)
    Z[rng.random(shape) < fraction] = 0
    return Z


def large(rng, shape, dtype=F64, offset=1000.0, spread=5.0):
    """Rows of values around +offset or -offset (alternating), spread a few units apart:
    large enough to overflow a naive exp, with differences a stable formula handles exactly."""
    Z = rng.uniform(-spread, spread, size=shape)
    signs = np.where(np.arange(shape[0]) % 2 == 0, 1.0, -1.0).reshape((-1,) + (1,) * (len(shape) - 1))
    return (Z + signs * offset).astype(dtype)


def labels(rng, n, n_classes):
    return rng.integers(0, n_classes, size=n)


# ---------------------------------------------------------------- test functions f(x) -> float

_A = np.random.default_rng(0).standard_normal((12, 12))
_A = _A @ _A.T / 12 + np.eye(12)


def sum_of_cubes(x):
    """f(x) = sum x**3"""
    return float(np.sum(x ** 3))


def exp_sum(x):
    """f(x) = sum exp(x)"""
    return float(np.sum(np.exp(x)))


def quadratic_form(x):
    """f(x) = v.A.v / 2 + sum sin(v), v = x flattened"""
    v = np.ravel(x)
    A = _A[:v.size, :v.size]
    return float(0.5 * v @ A @ v + np.sum(np.sin(v)))


def log_sum_exp(x):
    """f(x) = log sum exp(x)"""
    m = np.max(x)
    return float(m + np.log(np.sum(np.exp(x - m))))


TEST_FUNCTIONS = {f.__name__: f for f in (sum_of_cubes, exp_sum, quadratic_form, log_sum_exp)}
