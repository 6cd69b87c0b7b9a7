"""Stage 5 of grading, report: what ``bplearn grade`` writes into --out.

grades.csv           one row per learner, one column per exercise, then the total
feedback/<learner>.md  each notebook's points, each verdict in words, notes on the learner's
cells
summary.md           exercises hardest first, and which mistakes the class makes most
summary.csv          (exercise, diagnosis, learners)
"""

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat

from bplearn.exercises.result import DIAGNOSES

from . import notebook as fmt
from .collect import safe_name


@dataclass
class Report:
    """A graded batch.

    submissions  one SubmissionGrade per submitted file (see grade.py)
    columns      [(column name, exercise id, notebook name, max points)], one per graded item of
    each
                 notebook that was handed in, in course order
    sources      {notebook name: source path}
    """

    submissions: list
    columns: list
    sources: dict


def columns(tasks, sources, registered):
    """The report's columns for the notebooks of ``tasks``; an id graded in two notebooks is
    "notebook:id"."""
    found = []
    for name in sorted({t.notebook for t in tasks if t.notebook}):
        for item in fmt.exercises_of(nbformat.read(sources[name], as_version=4), registered):
            found.append((item.id, name, item.points))
    ids = Counter(i for i, _, _ in found)
    return [(f"{Path(n).stem}:{i}" if ids[i] > 1 else i, i, n, p) for i, n, p in found]


def learners(report):
    """{learner: [SubmissionGrade]} in order of first appearance."""
    by = {}
    for s in report.submissions:
        by.setdefault(s.learner, []).append(s)
    return by


def _cell(report, subs):
    """{column name: ExerciseGrade} for one learner (the graded submission of each notebook)."""
    found = {}
    for s in subs:
        if s.reason.startswith("a second submission"):
            continue
        for g in s.grades:
            col = next((c for c, i, n, _ in report.columns if i == g.id and n == s.notebook), None)
            if col:
                found[col] = g
    return found


def write_reports(report, out):
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    by = learners(report)
    with open(out / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["learner"] + [c for c, *_ in report.columns] + ["total"])
        for learner, subs in by.items():
            got = _cell(report, subs)
            row = [got[c].points if c in got else 0 for c, *_ in report.columns]
            w.writerow([learner] + [_num(x) for x in row] + [_num(sum(row))])
    for learner, subs in by.items():
        (out / "feedback" / f"{safe_name(learner)}.md").write_text(
            feedback_text(report, learner, subs)
        )
    (out / "summary.md").write_text(summary_text(report))
    counts = diagnosis_counts(report)
    with open(out / "summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["exercise", "diagnosis", "learners"])
        for (col, diagnosis), n in counts.items():
            w.writerow([col, diagnosis, n])


def diagnosis_counts(report):
    counts = Counter()
    for learner, subs in learners(report).items():
        got = _cell(report, subs)
        for col, *_ in report.columns:
            counts[(col, got[col].diagnosis if col in got else "not_submitted")] += 1
    return dict(
        sorted(
            counts.items(), key=lambda kv: ([c for c, *_ in report.columns].index(kv[0][0]), -kv[1])
        )
    )


def feedback_text(report, learner, subs):
    max_total = sum(p for *_, p in report.columns)
    got = _cell(report, subs)
    total = sum(g.points for g in got.values())
    lines = [
        f"# Feedback for {learner}",
        "",
        f"Total: {_num(total)} / {_num(max_total)} points",
        "",
    ]
    for s in subs:
        lines += [
            f"## {s.notebook or Path(s.path).name}: {_num(s.points)} / {_num(s.max_points)} points",
            "",
            f"Submission: `{s.path}`",
            "",
        ]
        if s.reason:
            lines += [f"**Could not be graded fully:** {s.reason}", ""]
        if s.grades:
            lines += ["| exercise | points | verdict |", "|---|---|---|"]
            for g in s.grades:
                mark = "✓" if g.diagnosis == "passed" else "✗"
                lines.append(
                    f"| {g.id} | {_num(g.points)} / {_num(g.max_points)} | {mark}"
                    f" {g.diagnosis.replace('_', ' ')} |"
                )
            lines.append("")
            for g in s.grades:
                if g.diagnosis != "passed":
                    lines += [
                        f"### {g.id}: {g.diagnosis.replace('_', ' ')}",
                        "",
                        f"_{DIAGNOSES.get(g.diagnosis, '')}_",
                        "",
                        g.message or "",
                        "",
                    ]
        if s.notes:
            lines += ["### Notes", ""] + [f"- {n}" for n in s.notes] + [""]
    missing = sorted({n for _, _, n, _ in report.columns} - {s.notebook for s in subs})
    if missing:
        lines += ["## Not handed in", ""] + [f"- {n}" for n in missing] + [""]
    return "\n".join(lines)


def summary_text(report):
    by = learners(report)
    max_total = sum(p for *_, p in report.columns)
    totals = [sum(g.points for g in _cell(report, subs).values()) for subs in by.values()]
    lines = [
        "# Grading summary",
        "",
        (
            f"{len(report.submissions)} submissions from {len(by)} learners; mean total"
            f" {_num(round(sum(totals) / max(1, len(totals)), 2))} / {_num(max_total)} points."
        ),
        "",
        "## Exercises, hardest first",
        "",
        "| exercise | notebook | points | passed | of |",
        "|---|---|---|---|---|",
    ]
    passed = Counter()
    for subs in by.values():
        for col, g in _cell(report, subs).items():
            passed[col] += g.diagnosis == "passed"
    for col, _, nb, pts in sorted(report.columns, key=lambda c: passed[c[0]]):
        lines.append(f"| {col} | {nb} | {_num(pts)} | {passed[col]} | {len(by)} |")
    lines += [
        "",
        "## Mistakes per exercise (most frequent first)",
        "",
        "| exercise | diagnosis | learners | meaning |",
        "|---|---|---|---|",
    ]
    for (col, diagnosis), n in diagnosis_counts(report).items():
        if diagnosis != "passed":
            lines.append(f"| {col} | {diagnosis} | {n} | {DIAGNOSES.get(diagnosis, '')} |")
    problems = [s for s in report.submissions if s.reason]
    if problems:
        lines += ["", "## Submissions that could not be graded fully", ""]
        lines += [
            f"- {s.learner} ({s.notebook or Path(s.path).name}): {s.reason}" for s in problems
        ]
    changed = [s for s in report.submissions if not s.unchanged]
    if changed:
        lines += ["", "## Warning: files that changed while grading", ""] + [
            f"- {s.path}" for s in changed
        ]
    return "\n".join(lines) + "\n"


def _num(x):
    return f"{x:g}" if isinstance(x, float) else str(x)
