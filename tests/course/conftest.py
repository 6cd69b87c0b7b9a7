"""Fixtures shared by the course tests."""

import pytest


@pytest.fixture
def scratch_registry():
    """Exercises registered in a test disappear afterwards."""
    from bplearn.exercises import registry

    saved = dict(registry._REGISTRY)
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


@pytest.fixture(autouse=True)
def verdict_cache_in_tmp(tmp_path_factory, monkeypatch):
    """`bplearn progress` keeps its verdicts in a folder of the test's own, never in ~/.cache."""
    monkeypatch.setenv("BPLEARN_CACHE_DIR", str(tmp_path_factory.mktemp("verdicts")))
