"""Stage 3 of grading, run: the notebook runs in a fresh sandboxed kernel, with an evidence cell
after each check cell.

The evidence cell (``evidence_cell.py``) runs the exercise's ``collect`` on the learner's answer as
it is at that point of the notebook and writes plain data (numbers and arrays, no pickles) to a
folder outside the notebook's working folder.  As soon as that cell has finished, before the next
cell runs, the grader moves those files to a second folder the kernel never hears of, so no later
cell can change them. The kernel (``execute.py``) has a time limit per cell, a memory limit and
capped output; a cell that hangs the kernel or ends it is skipped and the notebook re-run without
it.
"""

import copy
import shutil
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import nbformat

from . import notebook as fmt
from .evidence_cell import cell_source
from .execute import run_notebook
from .restore import ORIGIN


@contextmanager
def run_with_evidence(nb, registered, prepare, timeout, memory_limit):
    """Run ``nb`` with evidence cells; yields (run, items, evidence folder), valid inside the
    ``with``.

    ``prepare(workdir)`` fills the kernel's (empty) working folder: the notebook's data and helper
    files. ``items`` are the notebook's GradedItems, with the indices of the notebook that ran."""
    with (
        tempfile.TemporaryDirectory(prefix="bplearn-grade-") as tmp,
        tempfile.TemporaryDirectory(prefix="bplearn-judge-") as kept,
    ):
        workdir, evidence_dir = Path(tmp) / "work", Path(tmp) / "evidence"
        workdir.mkdir()
        evidence_dir.mkdir()
        prepare(workdir)
        nb, items = add_evidence_cells(nb, registered, evidence_dir)
        run = run_notebook(
            nb,
            workdir,
            timeout=timeout,
            memory_limit=memory_limit,
            after_cell=take_evidence(items, evidence_dir, kept),
        )
        yield run, items, Path(kept)


def add_evidence_cells(nb, registered, evidence_dir):
    """(notebook, items): a copy of ``nb`` with an evidence cell after each check cell, and its
    GradedItems with ``index`` (the grade cell) and ``evidence_index`` (its evidence cell) in that
    copy."""
    by_cell = defaultdict(list)
    for item in fmt.exercises_of(nb, registered):
        by_cell[item.index].append(item)
    cells, items = [], []
    for index, cell in enumerate(nb.cells):
        cells.append(cell)
        for item in by_cell.get(index, []):
            item = replace(item, index=len(cells) - 1)
            if item.kind == "check":
                cells.append(
                    nbformat.v4.new_code_cell(cell_source(item.id, item.answer, evidence_dir))
                )
                item.evidence_index = len(cells) - 1
            items.append(item)
    out = copy.copy(nb)
    out.cells = cells
    return out, items


def take_evidence(items, evidence_dir, kept):
    """A callback for run_notebook: right after an evidence cell, move its files to ``kept`` (a
    folder the kernel never hears of), so no later cell of the notebook can change them."""
    by_index = {item.evidence_index: item.id for item in items if item.evidence_index is not None}

    def after_cell(index):
        exercise_id = by_index.get(index)
        if exercise_id is None:
            return
        for suffix in (".json", ".npz"):
            src = Path(evidence_dir) / (exercise_id + suffix)
            dest = Path(kept) / (exercise_id + suffix)
            dest.unlink(missing_ok=True)
            if src.exists():
                shutil.move(str(src), dest)

    return after_cell


def run_notes(run):
    """Sentences about the learner's own cells: which timed out, ended the kernel, or raised
    (NotImplementedError aside).  Cells are numbered as in the learner's notebook, from 1."""
    notes = []
    for p in sorted(run.problems, key=lambda p: p.index):
        cell = run.nb.cells[p.index]
        number = cell.get("metadata", {}).get(ORIGIN)
        # a restored cell or one the grader added: reported per exercise
        if number is None:
            continue
        first = next(
            (line.strip() for line in fmt.source_text(cell).splitlines() if line.strip()), ""
        )
        which = f"Cell {number} (`{first[:60]}`)"
        if p.kind == "died":
            notes.append(
                f"{which} ended the kernel (os._exit, exit(), a crash or too much memory); "
                "it was skipped and the notebook run again without it."
            )
        elif p.kind == "hung":
            notes.append(
                f"{which} {p.detail}; it was skipped and the notebook run again without it."
            )
        elif p.kind == "timeout":
            notes.append(f"{which} was stopped: it ran longer than the time limit.")
        elif not p.detail.startswith("NotImplementedError"):
            notes.append(f"{which} raised {p.detail[:300]}")
    return notes[:20]
