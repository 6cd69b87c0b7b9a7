"""Fixtures shared by every test folder."""

import pytest


def _template(*args):
    # YOUR CODE HERE
    raise NotImplementedError()


class ExerciseContract:
    """The four checks every graded exercise is tested with (notebooks/AUTHORING.md): the reference
    passes with full points, the released template is not implemented, a correct answer written
    another way passes, and a wrong answer gets its diagnosis in words that name the mistake."""

    @staticmethod
    def check(exercise_id, fn):
        from bplearn.exercises import check

        return check(exercise_id, fn, show_result=False)

    def reference_passes(self, exercise_id):
        from bplearn.exercises import get

        result = self.check(exercise_id, get(exercise_id).reference_function())
        assert result.passed and result.diagnosis == "passed", result.message
        assert result.points == get(exercise_id).points > 0

    def template_is_not_implemented(self, exercise_id):
        result = self.check(exercise_id, _template)
        assert (result.passed, result.diagnosis) == (False, "not_implemented")

    def alternative_passes(self, exercise_id, fn):
        result = self.check(exercise_id, fn)
        assert result.passed, f"{result.diagnosis}: {result.message}"

    def mistake_is_diagnosed(self, exercise_id, fn, diagnosis, words):
        result = self.check(exercise_id, fn)
        assert not result.passed and result.points == 0
        assert result.diagnosis == diagnosis, result.message
        assert words in result.message, result.message


@pytest.fixture
def exercise_contract():
    """ExerciseContract(): the four contract checks of a graded exercise."""
    return ExerciseContract()


@pytest.fixture
def unwatched(monkeypatch):
    """Checks without the provenance watch (bplearn/exercises/provenance.py), for tests of the
    diagnoses whose wrong answers are built, for brevity, from bplearn's own references."""
    from bplearn.exercises import provenance

    monkeypatch.setattr(provenance, "rules", lambda exercise: (set(), set(), set()))
