"""Tests for bplearn.data: seeded toy data sets, splitting, batching and the digits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bplearn import data

TOY = {
    "xor": data.xor,
    "moons": data.moons,
    "circles": data.circles,
    "spirals": data.spirals,
}


def least_squares_accuracy(X, y):
    """Accuracy of the best linear classifier in the least-squares sense (one-hot targets)."""
    A = np.column_stack([X, np.ones(len(X))])
    W, *_ = np.linalg.lstsq(A, data.one_hot(y), rcond=None)
    return float(np.mean(np.argmax(A @ W, axis=1) == y))


def nearest_neighbour_accuracy(X, y, seed=0):
    """Held-out accuracy of 1-nearest-neighbour: high when the classes have clean structure."""
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, seed=seed)
    d2 = ((X_te[:, None, :] - X_tr[None, :, :]) ** 2).sum(axis=-1)
    return float(np.mean(y_tr[d2.argmin(axis=1)] == y_te))


# --- toy classification sets -------------------------------------------------


@pytest.mark.parametrize("name", TOY)
def test_toy_set_has_float64_points_and_int64_labels(name):
    X, y = TOY[name]()
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == 2
    assert y.dtype == np.int64 and y.shape == (X.shape[0],)
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize(
    "name, default_n", [("xor", 200), ("moons", 200), ("circles", 200), ("spirals", 300)]
)
def test_toy_set_default_size(name, default_n):
    X, y = TOY[name]()
    assert X.shape == (default_n, 2)


@pytest.mark.parametrize("name", TOY)
def test_same_seed_gives_identical_data(name):
    X1, y1 = TOY[name](seed=3)
    X2, y2 = TOY[name](seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("name", TOY)
def test_different_seeds_give_different_data(name):
    X1, _ = TOY[name](seed=0)
    X2, _ = TOY[name](seed=1)
    assert not np.array_equal(X1, X2)


@pytest.mark.parametrize("name", TOY)
def test_classes_are_mixed_not_sorted(name):
    # Unshuffled minibatches of a sorted set would hold a single class each.
    _, y = TOY[name](n=200)
    assert len(np.unique(y[:20])) > 1


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(TOY)), n=st.integers(4, 257), seed=st.integers(0, 2**31 - 1))
def test_toy_sets_have_balanced_classes(name, n, seed):
    X, y = TOY[name](n=n, seed=seed)
    counts = np.bincount(y, minlength=2)
    assert X.shape == (n, 2) and y.shape == (n,)
    assert counts.sum() == n
    assert counts.max() - counts.min() <= 1


@settings(max_examples=30, deadline=None)
@given(k=st.integers(2, 7), n=st.integers(7, 200))
def test_spirals_has_k_balanced_classes(k, n):
    X, y = data.spirals(n=n, k=k)
    counts = np.bincount(y)
    assert len(counts) == k
    assert counts.max() - counts.min() <= 1
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)


def test_zero_noise_is_allowed_and_deterministic():
    X, y = data.circles(noise=0.0, factor=0.3)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


@pytest.mark.parametrize(
    "name, factory",
    [
        ("xor", lambda s: data.xor(seed=s)),
        ("spirals (2 arms)", lambda s: data.spirals(k=2, seed=s)),
        ("circles", lambda s: data.circles(seed=s)),
    ],
)
def test_a_straight_line_cannot_separate_xor_spirals_circles(name, factory):
    for seed in range(5):
        X, y = factory(seed)
        assert least_squares_accuracy(X, y) < 0.80, name


def test_a_straight_line_cannot_fully_separate_moons():
    for seed in range(5):
        X, y = data.moons(seed=seed)
        assert least_squares_accuracy(X, y) < 0.95


@pytest.mark.parametrize("name", TOY)
def test_toy_sets_are_learnable_by_a_nonlinear_rule(name):
    # The classes have structure, not just noise: 1-nearest-neighbour does well.
    X, y = TOY[name]()
    assert nearest_neighbour_accuracy(X, y) > 0.85


# --- regression ---------------------------------------------------------------


def test_regression_1d_shapes_and_sorted_inputs():
    X, Y = data.regression_1d(n=50)
    assert X.shape == (50, 1) and Y.shape == (50, 1)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert np.all(np.diff(X[:, 0]) >= 0)


def test_regression_1d_follows_a_sine():
    X, Y = data.regression_1d(n=500, noise=0.1, seed=1)
    residual = Y - np.sin(X)
    assert abs(residual.mean()) < 0.03
    assert 0.07 < residual.std() < 0.13
    np.testing.assert_array_equal(data.regression_1d(seed=4)[1], data.regression_1d(seed=4)[1])


# --- train_test_split -----------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(n=st.integers(2, 300), test_size=st.floats(0.01, 0.99), extra=st.integers(1, 3))
def test_train_test_split_partitions_rows_and_keeps_pairs(n, test_size, extra):
    X = np.arange(n * extra, dtype=float).reshape(n, extra)
    y = np.arange(n)
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=test_size, seed=0)
    assert len(X_tr) + len(X_te) == n
    assert len(X_te) >= 1 and len(X_tr) >= 1
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(n))
    np.testing.assert_array_equal(X_tr[:, 0], y_tr * extra)  # rows stay paired
    np.testing.assert_array_equal(X_te[:, 0], y_te * extra)


def test_train_test_split_is_deterministic_and_sized():
    X, y = data.moons(n=100)
    a = data.train_test_split(X, y, test_size=0.25, seed=7)
    b = data.train_test_split(X, y, test_size=0.25, seed=7)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert a[1].shape == (25, 2) and a[0].shape == (75, 2)
    c = data.train_test_split(X, y, test_size=0.25, seed=8)
    assert not np.array_equal(a[3], c[3])


# --- one_hot ---------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(labels=st.lists(st.integers(0, 9), min_size=1, max_size=50), spare=st.integers(0, 3))
def test_one_hot_rows_have_a_single_one_at_the_label(labels, spare):
    y = np.array(labels)
    k = max(labels) + 1 + spare
    Y = data.one_hot(y, k)
    assert Y.shape == (len(labels), k) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)


def test_one_hot_infers_k_from_the_largest_label():
    assert data.one_hot([0, 2, 1]).shape == (3, 3)


# --- minibatches -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 120),
    batch_size=st.integers(1, 130),
    shuffle=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_minibatches_cover_every_sample_exactly_once(n, batch_size, shuffle, seed):
    X = np.arange(n, dtype=float)[:, None] * np.ones((1, 3))
    y = np.arange(n)
    batches = list(
        data.minibatches(X, y, batch_size, shuffle=shuffle, rng=np.random.default_rng(seed))
    )
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(n))
    assert all(len(yb) == batch_size for _, yb in batches[:-1])
    assert 1 <= len(batches[-1][1]) <= batch_size
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0], yb)  # rows stay paired
    if not shuffle:
        np.testing.assert_array_equal(seen, y)


def test_minibatches_order_is_reproducible_and_changes_between_epochs():
    X, y = data.xor(n=64)
    ys = lambda rng: np.concatenate(
        [yb for _, yb in data.minibatches(X, np.arange(64), 10, rng=rng)]
    )
    np.testing.assert_array_equal(ys(5), ys(5))
    rng = np.random.default_rng(0)
    assert not np.array_equal(ys(rng), ys(rng))  # one Generator, two epochs: two orders


# --- bad input: each error names the argument ------------------------------------------


@pytest.mark.parametrize(
    "call, error, argument",
    [
        (lambda: data.xor(n=0), ValueError, "n"),
        (lambda: data.moons(n=-5), ValueError, "n"),
        (lambda: data.circles(n=1), ValueError, "n"),
        (lambda: data.regression_1d(n=0), ValueError, "n"),
        (lambda: data.xor(n=2.5), TypeError, "n"),
        (lambda: data.spirals(k=1), ValueError, "k"),
        (lambda: data.spirals(n=2, k=3), ValueError, "n"),
        (lambda: data.xor(noise=-0.1), ValueError, "noise"),
        (lambda: data.moons(noise=-1), ValueError, "noise"),
        (lambda: data.spirals(noise=-0.2), ValueError, "noise"),
        (lambda: data.regression_1d(noise=float("nan")), ValueError, "noise"),
        (lambda: data.circles(factor=1.5), ValueError, "factor"),
        (lambda: data.moons(seed=1.5), TypeError, "seed"),
        (
            lambda: data.train_test_split(np.zeros((10, 2)), np.zeros(10), test_size=0),
            ValueError,
            "test_size",
        ),
        (
            lambda: data.train_test_split(np.zeros((10, 2)), np.zeros(10), test_size=1.0),
            ValueError,
            "test_size",
        ),
        (lambda: data.train_test_split(np.zeros((10, 2)), np.zeros(9)), ValueError, "X and y"),
        (lambda: data.minibatches(np.zeros((10, 2)), np.zeros(10), 0), ValueError, "batch_size"),
        (lambda: data.minibatches(np.zeros((10, 2)), np.zeros(10), -3), ValueError, "batch_size"),
        (lambda: data.minibatches(np.zeros((10, 2)), np.zeros(8), 4), ValueError, "X and y"),
        (lambda: data.one_hot(np.array([0.0, 1.5])), TypeError, "y must be integer class labels"),
        (lambda: data.one_hot(np.array([0, 1]).astype(float)), TypeError, "y must hold integer"),
        (lambda: data.one_hot([0, -1]), ValueError, "y must be class labels >= 0"),
        (lambda: data.one_hot([[0, 1]]), ValueError, r"y must have shape \(N,\)"),
        (lambda: data.one_hot([0, 3], k=2), ValueError, "k must be larger"),
    ],
)
def test_bad_input_raises_an_error_naming_the_argument(call, error, argument):
    with pytest.raises(error, match=argument) as info:
        call()
    message = str(info.value)
    assert "got" in message  # says what it was given, not only what it expected


def test_wrong_lengths_message_reports_both_sizes():
    with pytest.raises(ValueError) as info:
        data.train_test_split(np.zeros((10, 2)), np.zeros(9))
    assert "10" in str(info.value) and "9" in str(info.value)


def test_noise_error_message_states_what_is_expected():
    with pytest.raises(ValueError, match=r"noise must be .*>= 0, got -0\.1"):
        data.xor(noise=-0.1)


# --- the digits ----------------------------------------------------------------------


def test_digits_shape_dtype_and_range():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    # Pixels were counts 0..16, so X * 16 holds whole numbers.
    np.testing.assert_array_equal(X * 16, np.round(X * 16))


def test_digits_label_counts_match_the_uci_test_set():
    _, y = data.load_digits()
    expected = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert np.bincount(y).tolist() == expected


def test_digits_missing_file_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "DIGITS_PATH", tmp_path / "nowhere" / "digits.csv.gz")
    with pytest.raises(FileNotFoundError, match="digits.csv.gz"):
        data.load_digits()
