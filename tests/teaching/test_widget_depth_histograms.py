"""The depth lab's histograms bin by arithmetic on even (log) bins and count what
plots.step_histogram counts."""

import numpy as np

from bplearn.plots.gradients import activation_edges, gradient_edges, step_histogram
from bplearn.widgets.depth import _step_histogram


def test_even_bin_histograms_match_the_sorting_histogram_with_zeros_and_infinities():
    rng = np.random.default_rng(0)
    grads = [np.abs(rng.normal(scale=10.0**-k, size=(64, 16))) for k in range(0, 12, 3)]
    grads[0][0, :4] = [
        0.0,
        np.inf,
        np.nan,
        1e-300,
    ]  # kept out of the bins, counted or not as before
    acts = [np.tanh(rng.normal(scale=s, size=(64, 16))) for s in (0.1, 1.0, 5.0)]
    for arrays, edges, log_spaced in (
        (grads, gradient_edges(grads), True),
        (acts, activation_edges(acts), False),
    ):
        for a in arrays:
            x_ref, y_ref = step_histogram(a, edges)
            x, y = _step_histogram(a, edges, log_spaced)
            assert np.array_equal(x, x_ref)
            # Random values sit nowhere near a bin edge, so rounding cannot move one: the same
            # fractions.
            assert np.allclose(y, y_ref, rtol=0, atol=1e-12)
