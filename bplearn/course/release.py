"""Release: learner notebooks from the instructor sources.

    bplearn release notebooks/solutions notebooks [--force]

Each source notebook becomes a learner notebook: every solution region becomes ``# YOUR CODE HERE``
and ``raise NotImplementedError()``, hidden tests are removed, outputs and execution counts are
cleared, and widget state is dropped.  Other files next to the sources (helper modules, images) are
copied as they are. Nothing is written into the source folder, and no existing file is overwritten
without ``force``.
"""

import copy
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from bplearn.exercises import exercise_ids, get

from . import notebook as fmt

IGNORED = {"__pycache__", ".ipynb_checkpoints", ".DS_Store"}


class ReleaseError(Exception):
    """Release refused: a broken source, existing files without --force, or an output inside the
    sources."""


def release_notebook(nb, name="notebook", validate=True):
    """The learner version of the source notebook ``nb`` (a new notebook; ``nb`` is unchanged)."""
    if validate:
        problems = fmt.validate_source(nb, registered_points(), name)
        if problems:
            raise ReleaseError("\n".join(problems))
    out = copy.deepcopy(nb)
    for index, cell in enumerate(out.cells):
        where = f"{name}, cell {index}"
        text = fmt.source_text(cell)
        if fmt.is_solution(cell):
            text = fmt.clear_solutions(text, cell.cell_type, where)
        if fmt.has_marker(text, fmt.BEGIN_HIDDEN, fmt.END_HIDDEN):
            text = fmt.remove_hidden_tests(text, where)
        cell.source = text
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    out.metadata.pop("widgets", None)
    return out


def notebook_text(nb):
    """How notebooks are written to disk, everywhere in this project (nbformat JSON and a final
    newline)."""
    return nbformat.writes(nb) + "\n"


def registered_points():
    """{exercise id: points} of every registered exercise."""
    return {e: get(e).points for e in exercise_ids()}


@dataclass
class Written:
    path: Path
    status: str  # "new", "updated" or "unchanged"


def plan_release(source_dir, out_dir):
    """[(destination path, bytes)] for every file the release would write."""
    source_dir, out_dir = Path(source_dir).resolve(), Path(out_dir).resolve()
    if not source_dir.is_dir():
        raise ReleaseError(f"{source_dir} is not a folder")
    if out_dir == source_dir or source_dir in out_dir.parents:
        raise ReleaseError(
            f"the output folder {out_dir} is inside the source folder {source_dir}: "
            "release never writes into SOURCE_DIR"
        )
    notebooks = sorted(source_dir.glob("*.ipynb"))
    if not notebooks:
        raise ReleaseError(f"no notebooks (*.ipynb) in {source_dir}")
    plan, problems = [], []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        try:
            plan.append(
                (out_dir / path.name, notebook_text(release_notebook(nb, path.name)).encode())
            )
        except (ReleaseError, fmt.NotebookFormatError) as exc:
            problems.append(str(exc))
    if problems:
        raise ReleaseError("the sources break the notebook format:\n" + "\n".join(problems))
    for path in sorted(source_dir.rglob("*")):
        rel = path.relative_to(source_dir)
        # notebooks in sub-folders are not released
        if path.is_dir() or path.suffix == ".ipynb":
            continue
        if any(part in IGNORED or part.startswith(".") for part in rel.parts):
            continue
        plan.append((out_dir / rel, path.read_bytes()))
    for dest, _ in plan:
        if dest == source_dir or source_dir in dest.parents:
            raise ReleaseError(f"{dest} would be written inside the source folder {source_dir}")
    return plan


def release(source_dir, out_dir, force=False):
    """Write the learner versions of SOURCE_DIR's notebooks (and its other files) into OUT_DIR.

    Returns a list of Written.  Raises ReleaseError, writing nothing, when a file that exists would
    change and ``force`` is false."""
    plan = plan_release(source_dir, out_dir)
    existing = [dest for dest, data in plan if dest.exists() and dest.read_bytes() != data]
    if existing and not force:
        raise ReleaseError(
            "these files exist and would change (use --force to overwrite them):\n"
            + "\n".join(f"  {p}" for p in existing)
        )
    written = []
    for dest, data in plan:
        if dest.exists():
            if dest.read_bytes() == data:
                written.append(Written(dest, "unchanged"))
                continue
            status = "updated"
        else:
            status = "new"
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".bplearn-tmp")
        tmp.write_bytes(data)
        tmp.replace(dest)
        written.append(Written(dest, status))
    return written


def copy_support_files(source_dir, dest_dir):
    """Copy the non-notebook files next to the sources (helpers, images) into ``dest_dir`` (for
    grading)."""
    source_dir = Path(source_dir)
    for path in source_dir.rglob("*"):
        rel = path.relative_to(source_dir)
        if (
            path.is_dir()
            or path.suffix == ".ipynb"
            or any(p in IGNORED or p.startswith(".") for p in rel.parts)
        ):
            continue
        (Path(dest_dir) / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, Path(dest_dir) / rel)
