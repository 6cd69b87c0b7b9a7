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
