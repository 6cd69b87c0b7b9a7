"""Notebook 05's optimiser race: gradient descent, momentum and Adam, each at its best learning
rate, on line-fitting problems whose valley gets narrower (a larger condition number κ).

    problem = line_problem(centre=2.0)                   # fit y = w x + b, x around 2
    results = optimiser_race(sgd=sgd, momentum=momentum, adam=adam)   # your update rules
    print(race_table(results)); race_plot(results)

Each problem is run with a whole grid of learning rates at once: the rows of ``params`` (runs, 2)
are one run each, [w, b], and the update rules work on them entry by entry, as they do on any array.
"""

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from ..optim import adam_step, momentum_step, sgd_step
from .style import series_style
from .surface import TwoParameterProblem

RULES = ("sgd", "momentum", "adam")


def line_problem(centre, n=40, seed=0):
    """Fit y = 1.5 x - 0.5 (+ noise 0.2) to n points with x ~ normal(centre, 0.5).

    The further ``centre`` is from 0, the more w and b are tangled and the narrower the valley;
    centre=1 is notebook 05's running example.  Returns a TwoParameterProblem.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(centre, 0.5, size=(n, 1))
    y = 1.5 * x - 0.5 + rng.normal(0.0, 0.2, size=(n, 1))
    return TwoParameterProblem(x=x, y=y)


def race(problem, rule, lrs, steps=3000, update=None, beta=0.9, betas=(0.9, 0.999), eps=1e-8):
    """The loss after each step, (steps + 1, len(lrs)): one run of ``rule`` per learning rate in
    ``lrs``.

    rule: "sgd", "momentum" or "adam".  update: the function that takes one step, with the signature
    of bplearn.optim's sgd_step(w, dw, lr), momentum_step(w, dw, v, lr, beta) or
    adam_step(w, dw, m, v, t, lr, beta1, beta2, eps) (default: bplearn's).  A run that diverges
    overflows to inf or nan, which is allowed.
    """
    if rule not in RULES:
        raise ValueError(f"rule should be one of {RULES}; got {rule!r}")
    update = update or {"sgd": sgd_step, "momentum": momentum_step, "adam": adam_step}[rule]
    x, y = problem.x.ravel(), problem.y.ravel()
    lr = np.asarray(lrs, dtype=float)[:, None]  # (runs, 1): broadcasts over [w, b]
    params = np.tile(np.array(problem.start, dtype=float), (len(lr), 1))
    m = v = np.zeros_like(params)
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps + 1):
            R = params[:, :1] * x + params[:, 1:] - y  # residuals w x + b - y, (runs, n)
            losses.append((R**2).mean(axis=1))
            if t == steps:
                break
            # [dL/dw, dL/db]
            grads = np.stack([2 * (R * x).mean(axis=1), 2 * R.mean(axis=1)], axis=1)
            if rule == "sgd":
                params = update(params, grads, lr)
            elif rule == "momentum":
                params, v = update(params, grads, v, lr, beta)
            else:
                params, m, v = update(params, grads, m, v, t + 1, lr, *betas, eps)
    return np.array(losses)


def steps_to_settle(losses, target):
    """For each run (column of ``losses``): the first step after which the loss stays below
    ``target`` for good (inf if it never does; nan, a diverged run, counts as above)."""
    above = ~(np.asarray(losses) < target)
    last_above = np.where(above.any(axis=0), len(above) - 1 - np.argmax(above[::-1], axis=0), -1)
    return np.where(last_above < len(above) - 1, last_above + 1, np.inf)


@dataclass
class RaceResult:
    """One problem of the race: its centre, condition number κ, and for each rule (steps, best
    lr)."""

    centre: float
    kappa: float
    best: dict


def optimiser_race(
    centres=(0.0, 1.0, 2.0, 4.0),
    lrs=None,
    steps=3000,
    tolerance=1e-3,
    sgd=None,
    momentum=None,
    adam=None,
):
    """Race the three update rules on ``line_problem(c)`` for every c in ``centres``.

    Each rule runs every learning rate of ``lrs`` (default: 25 values from 1e-3 to 3, evenly spaced
    on a log scale) and keeps its best: the fewest steps until the loss is within ``tolerance`` of
    its minimum and stays there.  sgd, momentum, adam: your update functions (default bplearn's).
    Returns a list of RaceResult, one per centre.
    """
    lrs = np.geomspace(1e-3, 3, 25) if lrs is None else np.asarray(lrs, dtype=float)
    updates = {"sgd": sgd, "momentum": momentum, "adam": adam}
    results = []
    for centre in centres:
        problem = line_problem(centre)
        curvatures = np.linalg.eigvalsh(problem.hessian())
        target = problem.loss(*problem.minimum) + tolerance
        best = {}
        for rule in RULES:
            settle = steps_to_settle(race(problem, rule, lrs, steps, update=updates[rule]), target)
            i = int(np.argmin(settle))
            best[rule] = (float(settle[i]), float(lrs[i]))
        results.append(RaceResult(float(centre), float(curvatures[1] / curvatures[0]), best))
    return results


def race_table(results):
    """The race as a text table: one row per problem, steps to settle and best lr for each rule."""
    lines = [
        f"{'x centred at':>12} {'kappa':>7} " + " ".join(f"{r + ' (best lr)':>22}" for r in RULES)
    ]
    for r in results:
        lines.append(
            f"{r.centre:>12.0f} {r.kappa:>7.0f} "
            + " ".join(f"{r.best[k][0]:>8.0f} steps ({r.best[k][1]:.3f})" for k in RULES)
        )
    return "\n".join(lines)


def race_plot(results, ax=None, title="Each optimiser at its best learning rate"):
    """Steps to settle against κ (log-log), one line per rule, with a line ∝ κ through plain SGD's
    second point for reference.  Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
    kappas = np.array([r.kappa for r in results])
    for i, rule in enumerate(RULES):
        ax.loglog(kappas, [r.best[rule][0] for r in results], **series_style(i), label=rule)
    anchor = min(1, len(results) - 1)
    sgd_steps = results[anchor].best["sgd"][0]
    ax.loglog(
        kappas,
        kappas * sgd_steps / kappas[anchor],
        color="black",
        linestyle=":",
        label="∝ κ (for reference)",
    )
    ax.set_xlabel("condition number κ = λmax / λmin (how narrow the valley is, log scale)")
    ax.set_ylabel("steps to settle (log scale)")
    ax.set_title(title)
    ax.legend()
    ax.grid(True, which="major", alpha=0.3)
    return ax
