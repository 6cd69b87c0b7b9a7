"""bplearn.plots.race: notebook 05's optimiser race (gradient descent, momentum, Adam at their best
learning rates)."""

import numpy as np
import pytest
from drawn import labelled

from bplearn import optim, plots


def test_line_problem_gets_narrower_as_the_inputs_move_away_from_zero():
    kappas = []
    for centre in (0.0, 2.0, 4.0):
        curvatures = np.linalg.eigvalsh(plots.line_problem(centre).hessian())
        kappas.append(curvatures[1] / curvatures[0])
    assert kappas[0] < kappas[1] < kappas[2]


def test_steps_to_settle_is_the_first_step_after_which_the_loss_stays_below_the_target():
    losses = np.array(
        [[5.0, 5.0, 5.0, 5.0], [0.5, 5.0, 0.5, np.nan], [2.0, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5]]
    )
    assert plots.steps_to_settle(losses, 1.0).tolist() == [
        3,
        2,
        1,
        2,
    ]  # dips that come back do not count
    assert plots.steps_to_settle(np.array([[5.0], [5.0]]), 1.0).tolist() == [np.inf]


def test_race_runs_one_gradient_descent_per_learning_rate():
    problem = plots.line_problem(1.0)
    lr_max = problem.max_stable_lr()
    losses = plots.race(problem, "sgd", [0.5 * lr_max, 1.5 * lr_max], steps=200)
    assert losses.shape == (201, 2)
    assert losses[-1, 0] == pytest.approx(
        problem.loss(*problem.minimum), abs=1e-6
    )  # a stable rate converges
    assert not losses[-1, 1] < losses[0, 1]  # past 2/lambda_max: diverges
    path = plots.optimise(problem, "sgd", 0.5 * lr_max, steps=200)  # the same run, one at a time
    assert np.allclose(losses[:, 0], path.losses)


def test_race_uses_the_update_rule_it_is_given():
    problem = plots.line_problem(1.0)
    calls = []

    def uphill(w, dw, lr):
        calls.append(w.shape)
        return w + lr * dw

    losses = plots.race(problem, "sgd", [0.01, 0.02, 0.05], steps=20, update=uphill)
    assert calls == [(3, 2)] * 20  # one call per step, all runs at once: rows are [w, b]
    assert np.all(losses[-1] > losses[0])  # the wrong rule is the one that ran
    with pytest.raises(ValueError, match="rule"):
        plots.race(problem, "rmsprop", [0.1])


def test_the_race_shows_momentum_winning_as_the_valley_narrows():
    lrs = np.geomspace(1e-3, 3, 13)
    results = plots.optimiser_race(
        centres=(0.0, 4.0),
        lrs=lrs,
        steps=3000,
        sgd=optim.sgd_step,
        momentum=optim.momentum_step,
        adam=optim.adam_step,
    )
    round_bowl, narrow = results
    assert narrow.kappa > 10 * round_bowl.kappa
    assert (
        narrow.best["sgd"][0] > 5 * round_bowl.best["sgd"][0]
    )  # plain descent slows down with kappa
    assert narrow.best["momentum"][0] < narrow.best["sgd"][0] / 3  # momentum much less so
    assert all(best[1] in lrs for r in results for best in r.best.values())
    table = plots.race_table(results).splitlines()
    assert len(table) == 3 and "momentum (best lr)" in table[0]


def test_race_plot_draws_one_line_per_rule_and_a_reference_on_log_axes():
    results = [
        plots.RaceResult(
            0.0, 6.0, {"sgd": (50.0, 0.1), "momentum": (80.0, 0.01), "adam": (90.0, 0.03)}
        ),
        plots.RaceResult(
            2.0, 60.0, {"sgd": (500.0, 0.01), "momentum": (120.0, 0.01), "adam": (300.0, 0.03)}
        ),
    ]
    ax = plots.race_plot(results)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:3] == ["sgd", "momentum", "adam"] and "∝ κ" in labels[3]
    assert np.allclose(
        ax.get_lines()[3].get_ydata(), [50.0, 500.0]
    )  # through plain descent's points here
    assert ax.get_xscale() == ax.get_yscale() == "log" and labelled(ax)
