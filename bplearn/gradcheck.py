"""Gradient checking: compare back-propagated gradients with finite differences.

    df/dx_i  ~  (f(x + h e_i) - f(x - h e_i)) / (2h)        centred differences, error O(h^2)

rel_error compares entry by entry; gradcheck compares each parameter's gradient as a whole, so that
an entry that is almost 0 (where finite differences have no digits to spare) cannot fail a correct
gradient.
"""

import numpy as np

from .layers import Activation
from .validate import check_positive, describe


def numerical_gradient(f, x, h=1e-5, indices=None):
    """The gradient (shaped like x) of the scalar f at the float array x, by centred differences.

    Each entry of x (or those at ``indices``; the rest stay NaN) is nudged in place by ±h, reset.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            "numerical_gradient: x must be a float numpy array (it is nudged in place), got"
            f" {describe(x)}"
        )
    h = check_positive(h, "h")
    grad = np.full(x.shape, np.nan)
    for i in np.ndindex(*x.shape) if indices is None else indices:
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        grad[i] = (f_plus - float(f(x))) / (2 * h)
        x[i] = old
    return grad


def rel_error(a, b):
    """max |a - b| / max(1e-8, |a| + |b|): a scale-free distance between two gradients."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"rel_error: a and b must have the same shape, got {a.shape} and {b.shape}"
        )
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))) if a.size else 0.0


def verdict(rel):
    """CS231n's scale for a relative error in float64 (a kink or float32 can explain up to 1e-4)."""
    scale = [(1e-7, "good"), (1e-4, "ok only near kinks or in float32"), (1e-2, "suspicious")]
    return next((word for limit, word in scale if rel < limit), "probably wrong")


class GradcheckReport:
    """Per parameter: name, shape, how many entries were checked, the relative error ||a - b|| /
    (||a|| + ||b||) between back-propagated (a) and numerical (b) gradients, and its verdict."""

    def __init__(self, rows, warnings, near_kink=False):
        self.rows, self.warnings, self.near_kink = rows, warnings, near_kink

    @property
    def max_rel_error(self):
        return max(r["rel_error"] for r in self.rows)

    @property
    def passed(self):
        """True when every parameter's error is below 1e-7 (1e-4 when a warning explains more)."""
        return self.max_rel_error < (1e-4 if self.warnings else 1e-7)

    def __str__(self):
        lines = [f"{'parameter':<10} {'shape':<12} {'checked':>8} {'rel. error':>11}  verdict"]
        lines += [
            f"{r['name']:<10} {str(r['shape']):<12} {r['checked']:>8} {r['rel_error']:>11.2e} "
            f" {r['verdict']}"
            for r in self.rows
        ]
        lines += [f"warning: {w}" for w in self.warnings]
        if self.passed:
            lines.append("PASSED")
        elif self.near_kink:
            lines.append(
                "NOT CONCLUSIVE: some ReLU inputs sit at the kink, where finite differences cross"
                " it. Check again with small random biases or another batch."
            )
        else:
            lines.append("FAILED: some gradients disagree with finite differences")
        return "\n".join(lines)

    __repr__ = __str__


def gradcheck(net, loss, X, y, h=1e-5, max_entries=200, seed=0):
    """Check every parameter's back-propagated gradient against finite differences on (X, y).

    Parameters with more than ``max_entries`` entries are checked on a random sample of that many.
    Returns a GradcheckReport; print it for a table.
    """
    net.zero_grad()
    loss.forward(net.forward(X), y)
    net.backward(loss.backward())
    warnings, near_kink = [], False  # why the numbers may be unreliable, seen in the pass just run
    if any(p.value.dtype == np.float32 for p in net.parameters()):
        warnings.append(
            "float32 parameters: finite differences are only good to about 1e-3 here; "
            "use dtype=np.float64 for gradient checks"
        )
    for i, layer in enumerate(net.layers):
        for inner in [layer] + getattr(layer, "layers", []):  # and inside Residual blocks
            if isinstance(inner, Activation) and inner.kinked and np.any(np.abs(inner.Z) < 10 * h):
                near_kink = True
                warnings.append(
                    f"layer {i} ({inner.name}) has inputs within {10 * h:g} of its kink at 0: "
                    "the numerical gradient can be off there, so errors up to ~1e-4 are acceptable"
                )

    def f(_):
        return loss.forward(net.predict(X), y)

    rng = np.random.default_rng(seed)
    rows = []
    for name, p in net.named_parameters():
        flat = np.arange(p.value.size)
        if p.value.size > max_entries:
            flat = np.sort(rng.choice(p.value.size, max_entries, replace=False))
        picked = np.unravel_index(flat, p.value.shape)  # one index array per axis
        num = numerical_gradient(f, p.value, h, list(zip(*picked)))
        a, b = p.grad[picked].astype(np.float64), num[picked]
        rel = float(np.linalg.norm(a - b) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(b)))
        rows.append(
            {
                "name": name,
                "shape": p.value.shape,
                "checked": len(flat),
                "rel_error": rel,
                "verdict": verdict(rel),
            }
        )
    return GradcheckReport(rows, warnings, near_kink)
