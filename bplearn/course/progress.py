"""``bplearn progress [NOTEBOOK_DIR]``: for self-study, what is done and what is next.

Runs each notebook of NOTEBOOK_DIR (default ``workspace/``) as it is, in a sandboxed kernel, in a
temporary copy of the folder, and judges the checks it contains exactly as the grader would.  It
never writes to the notebooks (they are read once and executed in memory) or anywhere in
NOTEBOOK_DIR.
"""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import DEFAULT_MEMORY, DEFAULT_TIMEOUT, verdict_cache

# The stages that run a notebook (collect, run, judge) are imported when a notebook has to run:
# they load nbformat and jupyter_client, seconds of start-up that a progress made only of kept
# verdicts does without.

MAX_COPY_BYTES = 100 * 2**20  # support files copied next to the notebook copy


@dataclass
class NotebookProgress:
    name: str
    grades: list = field(default_factory=list)  # judge.ExerciseGrade
    problem: str = ""
    notes: list = field(default_factory=list)
    reused: bool = False  # the verdict kept from an earlier run of the same notebook

    @property
    def done(self):
        return [g for g in self.grades if g.diagnosis == "passed"]


def progress(
    notebook_dir="workspace",
    timeout=DEFAULT_TIMEOUT,
    memory_limit=DEFAULT_MEMORY,
    names=None,
    on_notebook=None,
    reuse=True,
):
    """[NotebookProgress] for every notebook in ``notebook_dir`` (or just ``names``), in name order.

    The grader's stages, without restore (a learner's own copy runs as it is): collect, run,
    judge.  With ``reuse``, a notebook unchanged since its last check is not run again: its kept
    verdict is used (``verdict_cache`` says what "unchanged" covers)."""
    folder = Path(notebook_dir)
    _check_folder(folder)
    paths = sorted(
        p for p in folder.glob("*.ipynb") if names is None or p.name in names or p.stem in names
    )
    found = []
    support = _support_files(folder)
    for path in paths:
        item = NotebookProgress(path.name)
        verdict_key = verdict_cache.key(path, support, timeout, memory_limit)
        kept = verdict_cache.load(path, verdict_key) if reuse else None
        if kept:
            item.grades, item.notes = kept
            item.reused = True
        else:
            _check(item, path, folder, timeout, memory_limit)
            if not item.problem:
                verdict_cache.store(path, verdict_key, item.grades, item.notes)
        found.append(item)
        if on_notebook:
            on_notebook(item)
    return found


def _check(item, path, folder, timeout, memory_limit):
    """Run the notebook at ``path`` and set ``item``'s grades, notes and problem."""
    from . import notebook as fmt
    from .collect import read_submission
    from .judge import judge_all
    from .release import registered_points
    from .restore import mark_origin
    from .run import run_notes, run_with_evidence

    nb, reason = read_submission(path)
    if reason:
        item.problem = reason
        return
    mark_origin(nb)
    if not any(fmt.meta(c) for c in nb.cells):
        # a copy that lost its metadata (another editor): a cell that calls check() is a check cell
        for cell in nb.cells:
            if cell.get("cell_type") == "code" and fmt.check_calls(fmt.source_text(cell)):
                cell.metadata["nbgrader"] = {"grade": True, "solution": False}
    with run_with_evidence(
        nb,
        registered_points(),
        lambda workdir: _copy_folder(folder, workdir),
        timeout,
        memory_limit,
    ) as (run, where, evidence_dir):
        item.grades = judge_all(where, run, evidence_dir, strict=True, timeout=timeout)
    item.notes = [n for n in run_notes(run) if "ended the kernel" in n or "stopped" in n]
    item.problem = run.failure


def _check_folder(folder):
    """FileNotFoundError naming ``folder`` and what to do, unless it is a folder we can read."""
    create = f"`bplearn workspace {folder}` creates a workspace with the course notebooks"
    if not folder.exists():
        raise FileNotFoundError(
            f"no folder {folder}: {create}, or give the folder of your notebooks"
        )
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} is a file: give the folder your notebooks are in (NOTEBOOK_DIR)"
        )
    if not os.access(folder, os.R_OK | os.X_OK):
        raise FileNotFoundError(
            f"cannot read the folder {folder}: permission denied. Make it readable "
            f"(chmod u+rx {folder}) or give another folder"
        )


def _support_files(folder):
    """[(relative path, stat)] of the files copied next to a notebook when it runs: not notebooks,
    nothing hidden, within MAX_COPY_BYTES in name order."""
    found, budget = [], MAX_COPY_BYTES
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if (
            path.is_dir()
            or path.suffix == ".ipynb"
            or any(p.startswith(".") or p == "__pycache__" for p in rel.parts)
        ):
            continue
        stat = path.stat()
        if stat.st_size > budget:
            continue
        budget -= stat.st_size
        found.append((rel, stat))
    return found


def _copy_folder(folder, dest):
    """Copy the notebook folder's other files (data, helpers) so relative paths work; skip big or
    hidden ones."""
    dest.mkdir(parents=True, exist_ok=True)
    for rel, _ in _support_files(folder):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / rel, dest / rel)


def format_line(item, width):
    if item.problem and not item.grades:
        return f"{item.name:<{width}}  -    {item.problem}"
    marks = []
    for g in item.grades:
        symbol = (
            "✓" if g.diagnosis == "passed" else "○" if g.diagnosis == "not_implemented" else "✗"
        )
        marks.append(f"{symbol} {g.id}")
    count = f"{len(item.done)}/{len(item.grades)}" if item.grades else "-"
    text = "  ".join(marks) if marks else "no exercises"
    return f"{item.name:<{width}}  {count:<4} {text}"


def report(items):
    """The text ``bplearn progress`` prints: one line per notebook, then totals and what to do
    next."""
    if not items:
        return "No notebooks found."
    width = max(len(i.name) for i in items)
    lines = [format_line(i, width) for i in items]
    grades = [(i, g) for i in items for g in i.grades]
    done = [g for _, g in grades if g.diagnosis == "passed"]
    points = sum(g.points for _, g in grades)
    max_points = sum(g.max_points for _, g in grades)
    lines += [
        "",
        f"Done: {len(done)} of {len(grades)} exercises ({points:g} of {max_points:g} points).",
    ]
    todo = [(i, g) for i, g in grades if g.diagnosis != "passed"]
    started = [(i, g) for i, g in todo if g.diagnosis != "not_implemented"]
    nxt = (started or todo or [None])[0]
    if nxt:
        i, g = nxt
        first = (g.message or "").splitlines()[0] if g.message else ""
        verdict = (
            "not started yet"
            if g.diagnosis == "not_implemented"
            else f"{g.diagnosis.replace('_', ' ')}: {first}"
        )
        lines.append(f"Next: {g.id} in {i.name} ({verdict})")
    elif grades:
        lines.append("Everything is done. Well done!")
    for i in items:
        lines += [f"Note ({i.name}): {n}" for n in i.notes]
    return "\n".join(lines)
