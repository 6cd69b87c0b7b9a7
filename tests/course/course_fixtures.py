"""Helpers for the course tests: the tiny source notebook, its learner version, and variants of
it."""

import copy
import hashlib
from pathlib import Path

import nbformat

from bplearn.course.release import notebook_text, release_notebook

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE_DIR = FIXTURES / "solutions"
SOURCE = SOURCE_DIR / "mini.ipynb"

# Answers for the solution cells of mini.ipynb, by grade_id.
SOLVED = {
    "warmup": "def affine(x, w, b):\n    return b + w * x",
    "relu": "def relu(Z):\n    return np.where(Z > 0, Z, 0.0)",
    "mse_backward": "def mse_backward(Y_hat, Y):\n    return 2 * (Y_hat - Y) / Y.size",
    "answer": "answer = 3 * 4",
}
POINTS = {"warmup": 1, "relu": 1, "mse_backward": 1, "check_answer": 2}


def source_nb():
    return nbformat.read(SOURCE, as_version=4)


def learner_nb():
    return release_notebook(source_nb(), "mini.ipynb")


def variant(solved=(), replace=None, insert_after=None, delete=()):
    """The learner notebook with some exercises solved, cells replaced (by grade_id), code cells
    inserted after a grade_id, and cells deleted."""
    nb = learner_nb()
    replace = dict(replace or {})
    for gid in solved:
        replace.setdefault(gid, SOLVED[gid])
    cells = []
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in delete:
            continue
        if gid in replace:
            cell = copy.deepcopy(cell)
            cell.source = replace[gid]
        cells.append(cell)
        for code in (insert_after or {}).get(gid, []):
            cells.append(nbformat.v4.new_code_cell(code))
    nb.cells = cells
    return nb


def write(path, nb_or_bytes):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb_or_bytes, bytes):
        path.write_bytes(nb_or_bytes)
    else:
        path.write_text(notebook_text(nb_or_bytes))
    return path


def digest(folder):
    """{relative path: sha256} of every file under ``folder``."""
    folder = Path(folder)
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
