"""Notebook 04b's memory, measured with tracemalloc (bplearn.experiments.reverse_mode): what the
measurement counts, and the saving checkpointing really gives.

Peaks depend on the arrays' shapes, not on their values or the machine's speed, so these are unit
tests, not timings.
"""

import numpy as np
import pytest

from bplearn import autodiff as ad
from bplearn.experiments import reverse_mode as rm


def test_peak_bytes_counts_a_temporary_array_that_is_freed_before_the_call_returns():
    result, peak = rm.peak_bytes(lambda n: float(np.ones(n).sum()), 1_000_000)
    assert result == 1_000_000.0
    assert 8_000_000 <= peak < 8_100_000


def test_peak_bytes_does_not_count_what_was_held_before_the_call():
    held = np.ones(1_000_000)
    _, peak = rm.peak_bytes(lambda: held[0] + 1)
    assert peak < 100_000


def test_the_measured_peak_of_a_gradient_includes_the_gradients_the_count_leaves_out():
    counted, peak = rm.graph_memory(depth=8, N=64)
    # every node gets a gradient beside its value: the peak is well above the values alone
    assert peak > 1.5 * counted


@pytest.fixture(scope="module")
def depth16():
    return rm.checkpoint_peaks(depth=16, N=256)


def test_checkpointing_in_segments_of_two_keeps_the_peak_below_60_percent_of_one_graph(depth16):
    assert depth16.identical
    assert depth16.share(2) < 0.6


def test_every_segment_length_saves_memory_once_no_reference_cycle_keeps_old_segments(depth16):
    # with a recursive topological order, each segment's graph lived on until the cyclic garbage
    # collector ran, and every k measured above 100% of the whole graph
    assert all(depth16.share(k) < 1 for k in depth16.by_k)


def test_the_best_segment_length_grows_with_the_depth(depth16):
    deeper = rm.checkpoint_peaks(depth=64, N=256, ks=(1, 2, 3, 4, 8))
    assert depth16.best_k() == 2 and deeper.best_k() == 3
    # a segment's graph holds about five arrays of N x 64 per layer at both depths
    assert rm.arrays_per_layer(depth16) == pytest.approx(5.0, abs=0.3)
    assert rm.arrays_per_layer(deeper) == pytest.approx(5.0, abs=0.3)


def test_gradients_with_checkpoints_equal_one_graphs_for_segments_that_do_not_divide_the_depth():
    layers, (X, y) = rm.deep_layers(5, seed=3), rm.digits_batch(16, seed=3)
    whole = rm.gradients_kept(layers, X, y)
    for k in (1, 2, 4, 6, 10):
        assert rm.same_gradients(whole, rm.gradients_with_checkpoints(layers, X, y, k))


def test_gradient_costs_count_P_passes_of_forward_mode_and_2P_of_finite_differences():
    X, y = rm.digits_batch(8, seed=0)
    costs = rm.gradient_costs(2, X, y)
    assert costs.P == 75 * 2 + 10
    assert costs.forward_mode_passes == costs.P and costs.finite_passes == 2 * costs.P


def test_the_engine_loss_of_the_experiments_is_the_loss_of_plain_numpy():
    layers, (X, y) = rm.deep_layers(2, seed=1), rm.digits_batch(16, seed=1)
    params = [p for layer in layers for p in layer]
    engine = float(rm.engine_loss([ad.Node(p) for p in params], X, y).value)
    assert engine == pytest.approx(rm.numpy_loss(params, X, y), rel=1e-12)


def test_digits_batch_draws_other_digits_for_other_seeds_and_the_same_for_the_same_seed():
    X0, y0 = rm.digits_batch(32, seed=0)
    X1, _ = rm.digits_batch(32, seed=1)
    assert X0.shape == (32, 64) and y0.shape == (32,)
    assert np.array_equal(X0, rm.digits_batch(32, seed=0)[0]) and not np.array_equal(X0, X1)
