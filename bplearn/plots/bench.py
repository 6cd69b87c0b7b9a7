"""Notebook 8's plots of its test bench (the bench itself, which measures and trains, is
``bplearn.experiments.remedies``; its names are available here too).

    before_after({"ReLU + He": r}, title="...")      # gradient profile at the start and training
    loss
"""

import matplotlib.pyplot as plt

from ..experiments.remedies import (  # noqa: F401 (the bench, for the notebook and the tests)
    OPTIMIZERS,
    Bench,
    BenchRun,
    dead_fraction,
    describe,
    digits_bench,
    smooth,
)
from .gradients import gradient_norms_by_layer
from .style import series_style


def before_after(runs, title):
    """Left: ||dW_l|| per hidden layer at the start; right: the training loss (mean of 10 steps).

    runs: {label: BenchRun}. Returns the figure.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.3), layout="constrained")
    gradient_norms_by_layer(
        {label: r.profile for label, r in runs.items()},
        ax=ax1,
        title="Gradient norm per hidden layer, at the start",
    )
    for i, (label, r) in enumerate(runs.items()):
        steps, mean_loss = smooth(r.loss)
        acc = "diverged" if r.diverged else f"test accuracy {r.acc:.2f}"
        ax2.plot(
            steps,
            mean_loss,
            **series_style(i),
            markevery=max(1, len(steps) // 8),
            label=f"{label} ({acc})",
        )
    ax2.set_yscale("log")
    ax2.set_xlabel("training step")
    ax2.set_ylabel("loss, mean of 10 steps (log scale)")
    ax2.set_title("Training loss")
    ax2.grid(True, which="major", alpha=0.3)
    ax2.legend(fontsize="small")
    fig.suptitle(title)
    return fig
