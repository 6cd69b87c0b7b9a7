"""Stage 2 of grading, restore: the notebook to run is the submission with its locked and check
cells taken from the source.

Cells are matched by ``grade_id``: an edited check cell is replaced (and noted), a deleted one is
put back after the nearest earlier source cell that is present.  Solution cells and the learner's
own cells stay; each of the learner's cells is marked with its number in the learner's notebook
(``ORIGIN``), so problems can be reported as "cell 7".
"""

import copy

import nbformat

from . import notebook as fmt
from .release import release_notebook

# metadata on the learner's own cells in the notebook the grader runs
ORIGIN = "bplearn_cell_number"


def restore_protected(source_nb, submission_nb):
    """(notebook, notes): the submission with locked and check cells taken from the source."""
    released = {
        fmt.grade_id(c): c
        for c in release_notebook(source_nb, validate=False).cells
        if fmt.is_protected(c)
    }
    protected = {fmt.grade_id(c): c for c in source_nb.cells if fmt.is_protected(c)}
    cells, notes, present = [], [], {}
    for number, cell in enumerate(submission_nb.cells, start=1):
        gid = fmt.grade_id(cell)
        if gid in protected:
            if fmt.source_text(cell).strip() != fmt.source_text(released[gid]).strip():
                notes.append(f"The cell {gid!r} had been changed; the original was used.")
            cells.append(_fresh(protected[gid]))
        else:
            cells.append(_fresh(cell))
            cells[-1].setdefault("metadata", {})[ORIGIN] = number
        if gid and gid not in present:
            present[gid] = len(cells) - 1
    # put back deleted protected cells, each after the nearest earlier source cell that is present
    source_ids = [fmt.grade_id(c) for c in source_nb.cells]
    for i, cell in enumerate(source_nb.cells):
        gid = fmt.grade_id(cell)
        if gid not in protected or gid in present:
            continue
        anchor = next((present[a] for a in reversed(source_ids[:i]) if a in present), -1)
        cells.insert(anchor + 1, _fresh(cell))
        present = {k: v + 1 if v > anchor else v for k, v in present.items()}
        present[gid] = anchor + 1
        notes.append(f"The cell {gid!r} was missing; the original was put back.")
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(source_nb.metadata))
    return nb, notes


def mark_origin(nb):
    """Mark every cell of ``nb`` (a learner's own copy, run as it is) with its number, in place."""
    for number, cell in enumerate(nb.cells, start=1):
        cell.setdefault("metadata", {})[ORIGIN] = number


def _fresh(cell):
    cell = copy.deepcopy(cell)
    if cell.get("cell_type") == "code":
        cell["outputs"], cell["execution_count"] = [], None
    if "source" in cell and isinstance(cell["source"], list):
        cell["source"] = "".join(cell["source"])
    return cell
