"""A loss surface of a two-parameter problem, with an optimiser's path drawn on it.

The problem: fit y ≈ w·x + b by mean squared error.  Because the inputs x are not centred, the
bowl L(w, b) is long and narrow, so one learning rate can be too small along the valley and too
large across it: exactly what a learner needs to see.

    problem = line_fit_problem()
    path = optimise(problem, "sgd", lr=0.4, steps=50)     # path.points (T+1, 2), path.losses,
    path.diverged
    loss_surface(problem, [path])                          # contours + the path
    learning_rate_comparison()                             # too small, right, too large, diverging
"""

from dataclasses import dataclass, field

import numpy as np

from ..layers import linear_backward, linear_forward
from ..losses import mse_backward, mse_loss
from ..optim import adam_step, momentum_step, sgd_step
from .style import new_axes, series_style

OPTIMIZERS = ("sgd", "momentum", "adam")


@dataclass
class TwoParameterProblem:
    """L(w, b) = mean((w·x + b - y)²) over N points x (N, 1), y (N, 1).

    ``loss(w, b)`` accepts arrays (a grid) as well as numbers; ``gradient(w, b)`` back-propagates
    through the library's own linear_forward / mse_loss / linear_backward, one point at a time.
    """

    x: np.ndarray
    y: np.ndarray
    start: tuple = (-2.0, 2.5)
    extent: tuple = (-3.0, 4.0, -2.5, 3.5)  # w_min, w_max, b_min, b_max of the view
    names: tuple = ("w (weight)", "b (bias)")
    _stats: dict = field(init=False, repr=False)

    def __post_init__(self):
        x, y = self.x.ravel(), self.y.ravel()
        self._stats = {
            "xx": np.mean(x * x),
            "x": np.mean(x),
            "xy": np.mean(x * y),
            "y": np.mean(y),
            "yy": np.mean(y * y),
        }

    def loss(self, w, b):
        """L(w, b) for numbers or arrays of the same shape (used to draw the contours)."""
        s = self._stats
        w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
        return (
            w * w * s["xx"]
            + 2 * w * b * s["x"]
            + b * b
            - 2 * w * s["xy"]
            - 2 * b * s["y"]
            + s["yy"]
        )

    def gradient(self, w, b):
        """(dL/dw, dL/db) by backpropagation: Z = X @ W + b, L = mse(Z, Y)."""
        W, bias = np.array([[w]], dtype=float), np.array([b], dtype=float)
        Z = linear_forward(self.x, W, bias)
        dZ = mse_backward(Z, self.y)
        _, dW, db = linear_backward(dZ, self.x, W)
        return float(dW[0, 0]), float(db[0])

    def value(self, w, b):
        """L(w, b) computed the library's way (mse_loss of the forward pass)."""
        return float(mse_loss(linear_forward(self.x, np.array([[w]]), np.array([b])), self.y))

    @property
    def minimum(self):
        """(w*, b*): the least-squares solution."""
        s = self._stats
        var = s["xx"] - s["x"] ** 2
        w = (s["xy"] - s["x"] * s["y"]) / var
        return float(w), float(s["y"] - w * s["x"])

    def hessian(self):
        s = self._stats
        return 2 * np.array([[s["xx"], s["x"]], [s["x"], 1.0]])

    def max_stable_lr(self):
        """Plain gradient descent diverges for lr > 2 / (largest curvature)."""
        return float(2.0 / np.linalg.eigvalsh(self.hessian()).max())


def line_fit_problem(n=40, seed=0):
    """A two-parameter regression, y = 1.5·x - 0.5 + noise with x around 1: an elongated bowl."""
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 0.5, size=(n, 1))
    y = 1.5 * x - 0.5 + rng.normal(0.0, 0.2, size=(n, 1))
    return TwoParameterProblem(x=x, y=y)


@dataclass
class OptimizerPath:
    """Where an optimiser went: points (T+1, 2) of (w, b), losses (T+1,), and whether it
    diverged."""

    optimizer: str
    lr: float
    points: np.ndarray
    losses: np.ndarray
    diverged: bool
    diverged_at: int | None = None

    @property
    def growing(self):
        """True when the loss ended higher than it started (diverging, even if not yet blown up)."""
        return bool(self.diverged or self.losses[-1] > self.losses[0])

    @property
    def label(self):
        text = f"{self.optimizer}, lr={self.lr:.3g}"
        if self.diverged:
            return text + f" (diverged at step {self.diverged_at})"
        return text + (" (loss growing)" if self.growing else "")

    @property
    def message(self):
        """One sentence about the run, for a widget or a figure."""
        if self.diverged:
            return (
                f"Diverged: with lr = {self.lr:.3g} the loss grew past {DIVERGENCE_FACTOR:.0e} ×"
                f" its start by step {self.diverged_at}. Lower the learning rate."
            )
        if self.growing:
            return (
                f"Diverging: with lr = {self.lr:.3g} the loss grew from {self.losses[0]:.3g} to "
                f"{self.losses[-1]:.3g} in {len(self.losses) - 1} steps. Lower the learning rate."
            )
        return (
            f"Loss went from {self.losses[0]:.3g} to {self.losses[-1]:.3g} in"
            f" {len(self.losses) - 1} steps."
        )


DIVERGENCE_FACTOR = 1e6


def optimise(
    problem,
    optimizer="sgd",
    lr=0.1,
    steps=50,
    start=None,
    momentum=0.9,
    betas=(0.9, 0.999),
    eps=1e-8,
):
    """Run ``steps`` full-batch updates of (w, b) with the library's update rules; returns an
    OptimizerPath.

    optimizer: "sgd", "momentum" (SGD with momentum) or "adam".  A run whose loss becomes
    non-finite or exceeds DIVERGENCE_FACTOR times the starting loss stops and is marked diverged.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimise: optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"optimise: lr must be a positive number, got {lr!r}")
    p = np.array(problem.start if start is None else start, dtype=float)
    points, losses = [p.copy()], [problem.loss(*p)]
    limit = DIVERGENCE_FACTOR * max(losses[0], 1e-12)
    v = np.zeros(2)
    m = np.zeros(2)
    diverged_at = None
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            g = np.array(problem.gradient(*p))
            if optimizer == "sgd":
                p = sgd_step(p, g, lr)
            elif optimizer == "momentum":
                p, v = momentum_step(p, g, v, lr, momentum)
            else:
                p, m, v = adam_step(p, g, m, v, t, lr, betas[0], betas[1], eps)
            value = float(problem.loss(*p))
            points.append(p.copy())
            losses.append(value)
            if not np.isfinite(value) or value > limit:
                diverged_at = t
                break
    return OptimizerPath(
        optimizer,
        float(lr),
        np.array(points),
        np.array(losses),
        diverged_at is not None,
        diverged_at,
    )


def loss_surface(problem=None, paths=(), ax=None, levels=14, resolution=120, title=None):
    """Contours of L(w, b) (log-spaced levels) with each optimiser path drawn on top.

    Paths are told apart by colour, line style and marker; a diverged path is clipped at the edge
    of the view and its legend entry says at which step it diverged.  Returns the axes.
    """
    problem = line_fit_problem() if problem is None else problem
    fig, ax = new_axes(ax, figsize=(6.0, 4.8))
    draw_surface(ax, problem, levels=levels, resolution=resolution)
    for i, path in enumerate(paths):
        draw_path(ax, path, style=series_style(i))
    ax.set_title(title or "Loss surface L(w, b) and the optimiser's path")
    if paths:
        ax.legend(loc="upper right", fontsize="small", framealpha=0.9)
    return ax


def draw_surface(ax, problem, levels=14, resolution=120):
    """Contour lines of the loss on log-spaced levels, the start and the minimum; returns the
    contour set."""
    w0, w1, b0, b1 = problem.extent
    W, B = np.meshgrid(np.linspace(w0, w1, resolution), np.linspace(b0, b1, resolution))
    L = problem.loss(W, B)
    lo, hi = max(L.min(), 1e-3), L.max()
    cs = ax.contour(
        W,
        B,
        L,
        levels=np.geomspace(lo * 1.5, hi, levels),
        cmap="viridis",
        linewidths=0.9,
        norm="log",
    )
    ax.clabel(cs, cs.levels[::3], fontsize=7, fmt="%.2g")
    wm, bm = problem.minimum
    ax.plot(
        [wm],
        [bm],
        linestyle="none",
        marker="*",
        markersize=14,
        color="black",
        label="minimum",
        zorder=5,
    )
    ax.plot(
        [problem.start[0]],
        [problem.start[1]],
        linestyle="none",
        marker="o",
        markersize=8,
        markerfacecolor="white",
        markeredgecolor="black",
        label="start",
        zorder=5,
    )
    ax.set_xlim(w0, w1)
    ax.set_ylim(b0, b1)
    ax.set_xlabel(problem.names[0])
    ax.set_ylabel(problem.names[1])
    return cs


def draw_path(ax, path, style=None):
    """One optimiser path as a line with markers; returns the Line2D (update it with set_data)."""
    style = dict(series_style(0) if style is None else style)
    style.setdefault("markersize", 4)
    n = len(path.points)
    (line,) = ax.plot(
        path.points[:, 0],
        path.points[:, 1],
        label=path.label,
        zorder=4,
        markevery=max(1, n // 25),
        linewidth=1.5,
        **style,
    )
    return line


def loss_curve(paths, ax=None, title=None):
    """Loss against step for each path, on a log axis; diverged runs end with an ✕ at their last
    step."""
    fig, ax = new_axes(ax)
    for i, path in enumerate(paths):
        st = series_style(i)
        steps = np.arange(len(path.losses))
        ax.plot(
            steps,
            path.losses,
            label=path.label,
            markevery=max(1, len(steps) // 15),
            markersize=4,
            **st,
        )
        if path.diverged:
            ax.plot(
                [steps[-1]],
                [min(path.losses[-1], 1e30)],
                marker="X",
                markersize=11,
                color=st["color"],
                markeredgecolor="black",
                linestyle="none",
            )
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss L (log scale)")
    ax.set_title(title or "Loss during training")
    if len(paths) > 0:
        ax.legend(fontsize="small")
    return ax


def learning_rate_comparison(problem=None, lrs=None, optimizer="sgd", steps=40):
    """Two panels: the loss surface with one path per learning rate, and their loss curves.

    By default four learning rates relative to the largest stable one (2 / curvature):
    too small (2 %), about right (40 %), too large (95 %: it zig-zags) and diverging (110 %).
    Returns the figure.
    """
    import matplotlib.pyplot as plt

    problem = line_fit_problem() if problem is None else problem
    if lrs is None:
        top = problem.max_stable_lr()
        lrs = [0.02 * top, 0.4 * top, 0.95 * top, 1.1 * top]
        names = ["too small", "about right", "too large", "diverging"]
    else:
        names = [None] * len(lrs)
    paths = [optimise(problem, optimizer, lr, steps) for lr in lrs]
    fig, (ax_s, ax_l) = plt.subplots(1, 2, figsize=(11.5, 4.6), layout="constrained")
    draw_surface(ax_s, problem)
    for i, (path, name) in enumerate(zip(paths, names)):
        line = draw_path(ax_s, path, style=series_style(i))
        if name:
            line.set_label(f"{name}: {path.label}")
    ax_s.set_title("Paths on the loss surface")
    ax_s.legend(loc="lower left", fontsize="x-small", framealpha=0.9)
    loss_curve(paths, ax=ax_l, title="Loss per step (log scale)")
    for line, name in zip(
        [l for l in ax_l.get_lines() if not l.get_label().startswith("_")], names
    ):
        if name:
            line.set_label(f"{name}: {line.get_label()}")
    ax_l.legend(fontsize="x-small")
    fig.suptitle(f"The same problem, four learning rates ({optimizer})")
    return fig
