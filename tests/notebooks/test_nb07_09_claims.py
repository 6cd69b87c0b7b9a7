"""What notebooks 07 and 08 conclude from their training runs holds on this machine's BLAS.

The notebooks' sentences are stated with a margin that covers the seeds and the OpenBLAS kernels we
measured (default, Prescott, Sandybridge); these tests check each conclusion with that margin,
reading the notebook's ``measured`` dict (the notebooks run once per session, see conftest.py).
``make test`` runs them under a second OpenBLAS kernel as well.
"""
import math

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture
def nb07(executed_nb07_09):
    return executed_nb07_09("07-vanishing-gradients")[1]


@pytest.fixture
def nb08(executed_nb07_09):
    return executed_nb07_09("08-remedies")[1]


CHANCE = 0.1          # ten classes of digits


# ---------------------------------------------------------------- notebook 07
def test_07_a_xavier_matrix_stretches_a_typical_gradient_by_about_1_and_at_most_by_about_2(nb07):
    assert 0.9 < nb07["xavier_typical_scale"] < 1.1
    assert 1.6 < nb07["xavier_top_singular"] < 2.1


def test_07_relu_he_dW_shrinks_towards_the_input_because_the_examples_align_in_deep_layers(nb07):
    # sizes: no factor of 6
    assert 0.7 < nb07["relu_dZ_change"] < 2 and 0.6 < nb07["relu_A_change"] < 1.2
    assert nb07["relu_align_first"] < 1.5 and nb07["relu_align_last"] > 3.5
    assert nb07["ratio_relu_he"] < 0.3


def test_07_the_deep_sigmoid_net_stays_at_chance_and_tanh_learns_on_every_seed(nb07):
    assert nb07["digits_acc_sigmoid_max"] < CHANCE + 0.05
    assert nb07["train_ratio_sigmoid"] < 1e-4
    assert nb07["digits_acc_tanh_min"] > 0.4


def test_07_exploding_tanh_first_layer_gradient_collapses_and_the_net_stays_near_chance(nb07):
    assert nb07["explode_first_step_ratio"] > 30
    assert nb07["explode_collapse_max"] < 0.1            # at least ten times smaller than at step 1
    assert nb07["explode_saturated_min"] > 0.8
    assert nb07["explode_acc_max"] < 0.2


# ---------------------------------------------------------------- notebook 08
def test_08_relu_he_learns_where_sigmoid_xavier_stays_at_chance_on_every_seed(nb08):
    assert nb08["sigmoid_acc_max"] < CHANCE + 0.05
    assert nb08["relu_acc_min"] > 0.8
    assert nb08["sigmoid_ratio"] < 1e-4 and 0.2 < nb08["relu_ratio_min"] <= nb08["relu_ratio_max"] < 5


def test_08_a_ten_times_larger_learning_rate_ruins_every_seed_and_kills_most_units(nb08):
    assert nb08["dead_careful_max"] < 0.1
    assert nb08["big_ruined"] == 3                       # every seed: diverged or at chance
    assert nb08["big_acc_max"] < 0.2
    assert nb08["dead_big_min"] > 0.4


def test_08_clipping_lets_every_seed_train_at_that_learning_rate_and_the_units_survive(nb08):
    assert not math.isnan(nb08["clip_acc_min"]), "a clipped run diverged"
    assert nb08["clip_acc_min"] > 0.8
    assert nb08["clip_dead_max"] < 0.1
    assert nb08["clipped_steps_min"] > 0.5               # "most steps were shortened"


def test_08_clipping_does_nothing_for_the_vanishing_sigmoid_net(nb08):
    assert nb08["sigmoid_clipped_acc"] < CHANCE + 0.05


def test_08_xavier_keeps_tanh_healthy_and_relu_needs_he(nb08):
    assert nb08["tanh_normal_acc"] < 0.5
    assert nb08["tanh_xavier_acc"] > 0.85
    assert nb08["relu_xavier_acc_sgd"] < nb08["relu_acc"] - 0.2


def test_08_adam_evens_out_the_layers_but_cannot_rescue_the_sigmoid_net(nb08):
    assert nb08["sigmoid_update_ratio_sgd"] < 1e-3
    assert 0.3 < nb08["sigmoid_update_ratio_adam"] < 3
    assert nb08["sigmoid_acc_adam"] < 0.3
    assert nb08["relu_xavier_acc_adam"] > 0.85 and nb08["relu_xavier_acc_adam"] > nb08["relu_xavier_acc_sgd"] + 0.2
