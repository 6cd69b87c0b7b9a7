"""Stage 1 of grading, collect: which files, which learner, which notebook, and can the file be
read.

SUBMISSION is a notebook file or a folder (searched recursively for ``*.ipynb``).  A file named like
a source notebook (``alice/02-loss.ipynb``) is that notebook, handed in by the learner named after
its folder (``alice``).  Any other file is the learner named after the file (``alice.ipynb`` ->
``alice``), handing in the source notebook when there is only one (``--source one-notebook.ipynb``).

A file is read once and never written.  One that is empty, not JSON, not a notebook or has no cells
cannot be graded, and says why.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import notebook as fmt

MAX_SUBMISSION_BYTES = 50 * 2**20


@dataclass
class Task:
    """One submission to grade.

    path          the submitted file
    learner       who handed it in
    notebook      the source notebook's name, or "" when unknown
    source        the source notebook's path, or ""
    timeout       seconds per cell
    memory_limit  bytes of address space for its kernel
    reason        set when it is known to be ungradable before it runs (unknown notebook, a second
    copy)
    """

    path: str
    learner: str
    notebook: str
    source: str
    timeout: float
    memory_limit: int
    reason: str = ""


def find_sources(source):
    """{notebook name: path} for a source folder or a single source notebook."""
    source = Path(source)
    if source.is_file():
        return {source.name: source}
    if not source.is_dir():
        raise FileNotFoundError(f"no source notebook or folder at {source}")
    found = {p.name: p for p in sorted(source.glob("*.ipynb"))}
    if not found:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {source}")
    return found


def expand(submissions):
    """Submission files: files as given, folders searched for *.ipynb (checkpoints skipped)."""
    files = []
    for s in map(Path, submissions):
        if s.is_dir():
            files += [
                p
                for p in sorted(s.rglob("*.ipynb"))
                if ".ipynb_checkpoints" not in p.parts and p.is_file()
            ]
        else:
            files.append(s)
    return files


def assign(files, sources):
    """[(path, learner, notebook name or "")] following the naming rule in the module docstring."""
    out = []
    for path in files:
        if path.name in sources:
            learner = path.resolve().parent.name
            out.append((path, learner, path.name))
        else:
            out.append((path, path.stem, next(iter(sources)) if len(sources) == 1 else ""))
    return out


def tasks(submissions, sources, timeout, memory_limit):
    """A Task for every submission file; a learner's second copy of a notebook is not graded (its
    reason says so)."""
    files = expand(submissions)
    if not files:
        raise FileNotFoundError(
            "no submissions found (give notebook files or folders holding *.ipynb)"
        )
    found, seen = [], {}
    for path, learner, name in assign(files, sources):
        reason = ""
        if not name:
            reason = (
                "cannot tell which notebook this is: name the file like one of "
                f"{', '.join(sources)} or grade it with --source pointing at its notebook"
            )
        elif (learner, name) in seen:
            reason = (
                f"a second submission of {name} by {learner}; only {seen[(learner, name)]} was"
                " graded"
            )
        else:
            seen[(learner, name)] = str(path)
        found.append(
            Task(
                str(path),
                learner,
                name,
                str(sources[name]) if name else "",
                timeout,
                memory_limit,
                reason,
            )
        )
    return found


def safe_name(learner):
    """The learner's name as a file name."""
    return re.sub(r"[^\w.-]+", "_", learner).strip("._") or "learner"


def read_submission(path):
    """(notebook, reason): the notebook, or None and why it cannot be graded."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return None, f"cannot read the file ({exc.strerror or exc})"
    if len(data) > MAX_SUBMISSION_BYTES:
        return None, f"the file is larger than {MAX_SUBMISSION_BYTES // 2**20} MB"
    if not data.strip():
        return None, "the file is empty"
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"not a notebook: the file is not valid JSON ({exc})"
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        return None, "not a Jupyter notebook (no list of cells)"
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        for cell in nb.cells:
            cell.get("cell_type"), fmt.source_text(cell)
    except Exception as exc:
        return None, f"not a readable Jupyter notebook ({type(exc).__name__}: {exc})"
    if not nb.cells:
        return None, "the notebook has no cells"
    return nb, ""


def sha256(path):
    """The file's SHA-256 (None when it cannot be read): grading compares it before and after."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
