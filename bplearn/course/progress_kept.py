"""What ``bplearn progress`` can say without running a notebook: the folder it reads, the files
beside the notebooks, the verdicts kept from earlier checks (``verdict_cache``), and the report.

Nothing here loads nbformat or jupyter_client (seconds of start-up), so a progress made only of kept
verdicts answers at once; ``progress`` runs the notebooks that changed.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import DEFAULT_MEMORY, DEFAULT_TIMEOUT, verdict_cache

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


def notebook_paths(folder, names=None):
    """The notebooks of ``folder`` (or just ``names``, with or without .ipynb), in name order."""
    return sorted(
        p
        for p in Path(folder).glob("*.ipynb")
        if names is None or p.name in names or p.stem in names
    )


def kept(
    notebook_dir="workspace", names=None, timeout=DEFAULT_TIMEOUT, memory_limit=DEFAULT_MEMORY
):
    """[NotebookProgress] from kept verdicts when every notebook has one, else None."""
    folder = Path(notebook_dir)
    check_folder(folder)
    support = support_files(folder)
    found = []
    for path in notebook_paths(folder, names):
        verdict = verdict_cache.load(path, verdict_cache.key(path, support, timeout, memory_limit))
        if verdict is None:
            return None
        found.append(NotebookProgress(path.name, verdict[0], notes=verdict[1], reused=True))
    return found


def check_folder(folder):
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


def support_files(folder):
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
