import numpy as np
import pytest
from drawn import labelled

from bplearn import numerical_gradient, plots


@pytest.fixture
def problem():
    return plots.line_fit_problem()


def test_two_parameter_problem_gradient_is_backpropagation_of_its_loss(problem):
    num = numerical_gradient(lambda p: problem.value(p[0], p[1]), np.array([0.3, -0.7]))
    assert np.allclose(problem.gradient(0.3, -0.7), num, atol=1e-7)
    assert problem.loss(0.3, -0.7) == pytest.approx(problem.value(0.3, -0.7))


def test_gradient_descent_reaches_the_minimum_with_a_good_learning_rate(problem):
    path = plots.optimise(problem, "sgd", lr=0.4 * problem.max_stable_lr(), steps=400)
    assert np.allclose(path.points[-1], problem.minimum, atol=1e-3)
    assert not path.growing and "Loss went from" in path.message


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_a_learning_rate_past_the_stability_limit_diverges_and_says_so(problem, optimizer):
    path = plots.optimise(problem, optimizer, lr=10.0, steps=100)
    assert path.diverged and path.diverged_at < 100
    assert len(path.points) == path.diverged_at + 1
    assert "diverged at step" in path.label and "Lower the learning rate" in path.message


def test_optimise_rejects_unknown_optimisers_and_bad_learning_rates(problem):
    with pytest.raises(ValueError, match="optimizer"):
        plots.optimise(problem, "rmsprop", lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        plots.optimise(problem, "sgd", lr=-1)


def test_loss_surface_draws_contours_the_minimum_and_every_path_vertex(problem):
    paths = [plots.optimise(problem, "sgd", lr, 20) for lr in (0.01, 0.2)]
    ax = plots.loss_surface(problem, paths)
    path_lines = [l for l in ax.get_lines() if l.get_label().startswith("sgd")]
    assert [len(l.get_xdata()) for l in path_lines] == [21, 21]
    assert np.allclose(path_lines[1].get_xydata(), paths[1].points)
    assert any(l.get_label() == "minimum" for l in ax.get_lines())
    assert len(ax.collections) >= 1 and labelled(ax)


def test_learning_rate_comparison_shows_four_regimes_with_a_log_loss_axis():
    fig = plots.learning_rate_comparison(steps=30)
    surface, curves = fig.axes[:2]
    names = [t.get_text() for t in curves.get_legend().get_texts()]
    for regime in ("too small", "about right", "too large", "diverging"):
        assert any(n.startswith(regime) for n in names)
    assert curves.get_yscale() == "log" and labelled(curves) and labelled(surface)
    diverging = [l for l in curves.get_lines() if l.get_label().startswith("diverging")][0]
    assert diverging.get_ydata()[-1] > diverging.get_ydata()[0]
