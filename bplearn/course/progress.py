"""``bplearn progress [NOTEBOOK_DIR]``: for self-study, what is done and what is next.

Runs each notebook of NOTEBOOK_DIR (default ``workspace/``) as it is, in a sandboxed kernel, in a
temporary copy of the folder, and judges the checks it contains exactly as the grader would.  It
never writes to the notebooks (they are read once and executed in memory) or anywhere in
NOTEBOOK_DIR.
"""

import shutil
from pathlib import Path

from . import DEFAULT_MEMORY, DEFAULT_TIMEOUT, verdict_cache
from . import notebook as fmt
from .collect import read_submission
from .judge import judge_all
from .progress_kept import (
    NotebookProgress,
    check_folder,
    format_line,
    notebook_paths,
    report,
    support_files,
)
from .release import registered_points
from .restore import mark_origin
from .run import run_notes, run_with_evidence

__all__ = ["progress", "report", "format_line", "NotebookProgress"]


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
    check_folder(folder)
    found = []
    support = support_files(folder)
    for path in notebook_paths(folder, names):
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


def _copy_folder(folder, dest):
    """Copy the notebook folder's other files (data, helpers) so relative paths work; skip big or
    hidden ones."""
    dest.mkdir(parents=True, exist_ok=True)
    for rel, _ in support_files(folder):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / rel, dest / rel)
