"""Grade submissions: ``bplearn grade SUBMISSION... --out DIR [--source SOURCE] [--jobs N]
[--timeout S]``.

Grading runs in five stages, as nbgrader's preprocessors do, one module each:

1. ``collect.py``  which files, which learner, which notebook (the naming rule is there).  Each file
is
   read once and never written (its SHA-256 is compared before and after); a file that is empty, not
   JSON, not a notebook or has no cells gets zero, with the reason.
2. ``restore.py``  locked and check cells are restored from the source by ``grade_id``: an edited
check
   cell is replaced, a deleted one is put back where it was.  Solution cells and the learner's own
   stay.
3. ``run.py``      the notebook runs in a fresh sandboxed kernel (``execute.py``) with an evidence
cell
   after each check cell, which writes what the learner's answer does as plain data; the grader
   takes those files out of the kernel's reach as soon as that cell has finished.
4. ``judge.py``    the grader judges the evidence in its own process, with its own copy of bplearn
and numpy.
5. ``report.py``   grades.csv, feedback per learner, and a summary of the class's mistakes.

Submissions are graded in parallel (``--jobs``), each in a worker process; this module runs the
stages.

Threat model
------------
The learner's code runs only in the submission's kernel.  Verdicts are computed outside it, from
data, by code the learner's notebook never touched.  So redefining ``check``, monkeypatching
``bplearn.exercises.check`` or numpy, editing or deleting check cells, printing "passed", crashing,
looping or exhausting memory do not earn points.  An answer that *is* bplearn's reference (e.g.
``from bplearn.layers import relu``) gets ``uses_reference`` and no points, and so does one that
calls it (a wrapper, an alias, a lambda, a partial: the evidence cell records the calls, see
``bplearn/exercises/provenance.py``).  Out of scope: a learner who deliberately
reverse-engineers the grader's protocol to forge evidence files from inside the kernel, or who
copies bplearn's source into a cell; the feedback files and summary are there for an instructor
to look at.
Grade cells without a ``check(...)`` call are graded as nbgrader does (points when the cell runs
without error), which trusts the kernel.  The kernel runs as the user who grades, with limits on
time and memory but not on what it
may read or write: grade untrusted submissions in a container or account that holds nothing secret.
"""

from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat

from . import DEFAULT_MEMORY, DEFAULT_TIMEOUT
from . import notebook as fmt
from .collect import find_sources, read_submission, sha256, tasks
from .judge import ExerciseGrade, judge_all
from .release import copy_support_files, registered_points
from .report import Report, columns, write_reports
from .restore import restore_protected
from .run import run_notes, run_with_evidence


@dataclass
class SubmissionGrade:
    """The grades of one submitted file.

    learner, notebook, path  who handed in which source notebook ("" when unknown), and the file
    grades       one ExerciseGrade per graded item of the notebook
    notes        sentences for the feedback: restored cells, the learner's cells that failed
    reason       why the submission could not run at all ("" when it ran)
    unchanged    the file's bytes were the same after grading
    """

    learner: str
    notebook: str
    path: str
    grades: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    reason: str = ""
    unchanged: bool = True

    @property
    def points(self):
        return sum(g.points for g in self.grades)

    @property
    def max_points(self):
        return sum(g.max_points for g in self.grades)


def grade(
    submissions,
    out,
    source="notebooks/solutions",
    jobs=1,
    timeout=DEFAULT_TIMEOUT,
    memory_limit=DEFAULT_MEMORY,
    progress=None,
):
    """Grade every submission and write the reports into ``out``.  Returns the Report."""
    sources = find_sources(source)
    todo = tasks(submissions, sources, timeout, memory_limit)
    results = [None] * len(todo)
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(grade_submission, t): i for i, t in enumerate(todo)}
            for future in as_completed(futures):
                try:
                    results[futures[future]] = future.result()
                except Exception:  # a worker process died: grade that one again below
                    continue
                if progress:
                    progress(results[futures[future]])
    for i, t in enumerate(todo):
        if results[i] is None:
            results[i] = grade_submission(t)
            if progress:
                progress(results[i])
    report = Report(results, columns(todo, sources, registered_points()), sources)
    write_reports(report, out)
    return report


def grade_submission(task):
    """Grade one submission (a collect.Task); never raises."""
    before = sha256(task.path)
    result = SubmissionGrade(task.learner, task.notebook, task.path)
    try:
        _grade(task, result)
    except Exception as exc:  # a bug of ours must not stop the batch
        result.reason = (
            result.reason or f"internal error while grading: {type(exc).__name__}: {exc}"
        )
        for g in result.grades:
            g.points, g.diagnosis, g.message = 0, "checker_error", result.reason
    result.unchanged = sha256(task.path) == before
    return result


def _grade(task, result):
    registered = registered_points()
    source_nb = nbformat.read(task.source, as_version=4) if task.source else None
    items = fmt.exercises_of(source_nb, registered) if source_nb is not None else []
    result.grades = [ExerciseGrade(item.id, 0, item.points, "not_submitted", "") for item in items]
    reason = task.reason
    if not reason:
        nb, reason = read_submission(task.path)  # 1. collect
    if reason:
        result.reason = reason
        for g in result.grades:
            g.message = reason
        return
    nb, result.notes = restore_protected(source_nb, nb)  # 2. restore
    support = Path(task.source).parent
    with run_with_evidence(
        nb,
        registered,
        lambda workdir: copy_support_files(support, workdir),
        # 3. run
        task.timeout,
        task.memory_limit,
    ) as (run, items, evidence_dir):
        # 4. judge
        result.grades = judge_all(items, run, evidence_dir, strict=True, timeout=task.timeout)
    result.notes += run_notes(run)
    if run.failure:
        result.reason = run.failure
