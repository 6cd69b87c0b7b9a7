"""Notebook 09's claims over seeds, which the notebook itself (one seed) does not compute.

The prose says: within the 3-epoch budget, width 64 with Adam's default lr 1e-3 gets "between 0.79
and 0.86" test accuracy over 5 seeds, "far from 0.94"; the sweep's choice, width 256 at lr 0.01,
"between
0.958 and 0.962"; width 64 at lr 0.01 "between 0.944 and 0.953".  Each range is checked to the
digits it is quoted with, and the verdict it supports (every seed misses 0.94, or every seed clears
it) is checked on its own.  The seed drives the weights and the shuffling, as in the notebook's
`build_network(seed=...)` and `fit(..., seed=...)`.
"""
import numpy as np
import pytest

import bplearn as bp
from bplearn.layers import Linear, ReLU

TARGET = 0.94
SEEDS = range(5)


def accuracies_over_seeds(width, lr):
    X, y = bp.data.load_digits()
    X_trval, X_test, y_trval, y_test = bp.data.train_test_split(X, y, test_size=0.25, seed=0)
    X_train, _, y_train, _ = bp.data.train_test_split(X_trval, y_trval, test_size=0.2, seed=1)
    accuracies = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        net = bp.Sequential(Linear(64, width, init="he", rng=rng), ReLU(), Linear(width, 10, init="he", rng=rng))
        bp.fit(net, bp.CrossEntropyLoss(), bp.Adam(net.parameters(), lr=lr), X_train, y_train, epochs=3,
               batch_size=32, seed=seed, progress=False)
        accuracies.append(bp.accuracy(net, X_test, y_test))
    return np.array(accuracies)


@pytest.mark.parametrize("width, lr, low, high, clears", [
    (64, 1e-3, 0.79, 0.86, False),     # the defaults: every seed misses the target
    (256, 1e-2, 0.958, 0.962, True),   # the sweep's choice: every seed clears it
    # the narrower layer at the chosen lr: clears it, with less margin
    (64, 1e-2, 0.944, 0.953, True),
])
def test_capstone_budget_ranges_over_five_seeds_match_the_text(width, lr, low, high, clears):
    accuracies = accuracies_over_seeds(width, lr)
    digits = len(str(low).split(".")[1])
    half = 0.5 * 10.0 ** -digits
    assert low - half <= accuracies.min() and accuracies.max() <= high + half, accuracies
    assert np.all(accuracies >= TARGET) if clears else np.all(accuracies < TARGET), accuracies
