"""Stage 4 of grading, judge: a verdict for every graded item, in the grader's own process.

A "check" item is judged from its evidence file by the exercise's ``judge``, with the grader's own
copy of bplearn and numpy: nothing the learner's notebook did can change it.  An answer that *is*
bplearn's reference (its function was defined in a ``bplearn`` module) gets ``uses_reference`` and
no points. A "cell" item (a grade cell without ``check``) is worth its points when the cell ran
without error, as in nbgrader.  No evidence file means the check could not run: a timeout, a dead
kernel, or a failure.
"""

from dataclasses import dataclass
from pathlib import Path

from bplearn.exercises import evidence, provenance, registry
from bplearn.exercises.result import Verdict

from . import notebook as fmt


@dataclass
class ExerciseGrade:
    """The verdict on one graded item: its id, the points earned and possible, the diagnosis code
    (see ``bplearn.exercises.DIAGNOSES``) and the message the learner reads."""

    id: str
    points: float
    max_points: float
    diagnosis: str
    message: str


def judge_all(items, run, evidence_dir, strict, timeout):
    """An ExerciseGrade for each GradedItem, from the evidence files in ``evidence_dir`` and the
    Run.

    ``strict``: bplearn's own reference earns nothing (``uses_reference``)."""
    grades = []
    for item in items:
        if item.kind == "cell":
            verdict = _cell_verdict(run, item.index)
        else:
            path = Path(evidence_dir) / item.id
            if path.with_suffix(".json").exists():
                verdict = _evidence_verdict(item, path, strict)
            else:
                verdict = _missing_verdict(run, item, timeout)
        grades.append(
            ExerciseGrade(
                item.id,
                item.points if verdict.passed else 0,
                item.points,
                verdict.diagnosis,
                verdict.message,
            )
        )
    return grades


def _evidence_verdict(item, path, strict):
    try:
        found = evidence.load(path)
        origin = found.get("origin") if isinstance(found, dict) else None
        if strict and isinstance(origin, str) and origin.split(".")[0] == "bplearn":
            return Verdict(
                False,
                "uses_reference",
                f"{item.answer} is bplearn's own reference ({origin}), not your implementation.",
            )
        return provenance.judge(registry.get(item.id), found)
    except Exception as exc:
        return Verdict(
            False,
            "checker_error",
            f"the evidence could not be judged ({type(exc).__name__}: {exc})",
        )


def _cell_verdict(run, index):
    problem = run.problem(index)
    if problem is None and run.nb.cells[index].get("execution_count") is not None:
        return Verdict(True, "passed", "The test cell ran without error.")
    if problem is None:
        return Verdict(False, "kernel_died", run.failure or "The test cell did not run.")
    code = {"timeout": "timeout", "hung": "timeout", "died": "kernel_died"}.get(
        problem.kind, "error"
    )
    answer = next((i for i in range(index - 1, -1, -1) if fmt.is_solution(run.nb.cells[i])), None)
    unanswered = answer is not None and (run.problem(answer) or problem).detail.startswith(
        "NotImplementedError"
    )
    if problem.kind == "error" and (problem.detail.startswith("NotImplementedError") or unanswered):
        return Verdict(
            False,
            "not_implemented",
            "Not implemented yet: the answer before this test cell raises NotImplementedError.",
        )
    return Verdict(False, code, f"The test cell failed: {problem.detail}.")


def _missing_verdict(run, item, timeout):
    if run.failure:
        return Verdict(False, "kernel_died", run.failure)
    problem = run.problem(item.evidence_index)
    if problem is not None and problem.kind in ("timeout", "hung"):
        return Verdict(
            False,
            "timeout",
            f"{item.answer} did not finish within {timeout:g} s when checked (an endless loop?).",
        )
    if problem is not None and problem.kind == "died":
        return Verdict(
            False,
            "kernel_died",
            f"Checking {item.answer} ended the Python process "
            "(os._exit, exit(), a crash or running out of memory).",
        )
    died = [p for p in run.problems if p.kind in ("died", "hung")]
    if died or not run.finished:
        return Verdict(
            False,
            "kernel_died",
            "The notebook could not run to the end: the kernel died or hung repeatedly.",
        )
    detail = f" ({problem.detail})" if problem else ""
    return Verdict(False, "checker_error", f"The check could not run{detail}.")
