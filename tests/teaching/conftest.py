"""Teaching-layer tests draw off-screen (Agg) and close every figure they open."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import bplearn as bp  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def spirals():
    X, y = bp.data.spirals(128, seed=0)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


@pytest.fixture
def small_net():
    return bp.MLP([2, 5, 4, 3], activation="tanh", init="xavier", seed=0)
