"""The real course notebooks, graded: every source gets full marks, every untouched learner version
zero.

Slow (it runs every notebook twice, about 100 s on 2 cores): deselect with `-m "not slow"`."""

import csv
from pathlib import Path

import nbformat
import pytest

from bplearn.course.grade import grade
from bplearn.course.release import notebook_text, release_notebook

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(not SOURCES, reason="no course notebooks yet")
def test_sources_get_full_marks_and_untouched_learner_notebooks_zero(tmp_path):
    for source in SOURCES:
        (tmp_path / "instructor").mkdir(exist_ok=True)
        (tmp_path / "instructor" / source.name).write_bytes(source.read_bytes())
        (tmp_path / "untouched").mkdir(exist_ok=True)
        learner = release_notebook(nbformat.read(source, as_version=4), source.name)
        (tmp_path / "untouched" / source.name).write_text(notebook_text(learner))
    report = grade(
        [tmp_path / "instructor", tmp_path / "untouched"],
        tmp_path / "out",
        source=ROOT / "notebooks" / "solutions",
        jobs=2,
        timeout=300,
    )
    by = {(s.learner, s.notebook): s for s in report.submissions}
    assert len(by) == 2 * len(SOURCES)
    for source in SOURCES:
        full, zero = by[("instructor", source.name)], by[("untouched", source.name)]
        assert full.points == full.max_points > 0, [
            (g.id, g.diagnosis, g.message) for g in full.grades
        ]
        assert zero.points == 0, [(g.id, g.diagnosis) for g in zero.grades if g.points]
        assert {g.diagnosis for g in zero.grades} == {"not_implemented"}, [
            (g.id, g.diagnosis) for g in zero.grades
        ]
    rows = {r["learner"]: r for r in csv.DictReader(open(tmp_path / "out" / "grades.csv"))}
    assert float(rows["instructor"]["total"]) == sum(c[3] for c in report.columns)
    assert float(rows["untouched"]["total"]) == 0
