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


@pytest.fixture
def unwatched(monkeypatch):
    """Checks without the provenance watch (bplearn/exercises/provenance.py), for tests of the
    diagnoses whose wrong answers are built, for brevity, from bplearn's own references."""
    from bplearn.exercises import provenance

    monkeypatch.setattr(provenance, "rules", lambda exercise: (set(), set(), set()))
