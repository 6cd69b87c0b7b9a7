"""Grade submissions: ``bplearn grade SUBMISSION... --out DIR [--source SOURCE] [--jobs N] [--timeout S]``.

Which learner and which notebook
--------------------------------
SUBMISSION is a notebook file or a folder (searched recursively for ``*.ipynb``).  A file named like a
source notebook (``alice/02-loss.ipynb``) is that notebook, handed in by the learner named after its
folder (``alice``).  Any other file is the learner named after the file (``alice.ipynb`` -> ``alice``),
handing in the source notebook when there is only one (``--source one-notebook.ipynb``).

How a submission is graded
--------------------------
1. The file is read once and never written (its SHA-256 is compared before and after).  A file that is
   empty, not JSON, not a notebook or has no cells gets zero, with the reason.
2. Locked and check cells are restored from the source by ``grade_id``: an edited check cell is
   replaced, a deleted one is put back where it was.  Solution cells and the learner's own cells stay.
3. After each check cell the grader adds an evidence cell that runs the exercise's ``collect`` on the
   learner's answer, as it is at that point of the notebook, and writes plain data (numbers and arrays,
   no pickles) to a folder outside the notebook's working folder.  The grader moves those files out of
   the kernel's reach as soon as that cell has finished, before the next cell runs.
4. The notebook runs in a fresh sandboxed kernel (``execute.py``): a time limit per cell, a memory limit,
   capped output; a cell that hangs the kernel or ends it is skipped and the notebook re-run without it.
5. The grader judges the evidence in its own process, with its own copy of bplearn and numpy.

Threat model
------------
The learner's code runs only in the submission's kernel.  Verdicts are computed outside it, from data,
by code the learner's notebook never touched.  So redefining ``check``, monkeypatching
``bplearn.exercises.check`` or numpy, editing or deleting check cells, printing "passed", crashing,
looping or exhausting memory do not earn points.  An answer that *is* bplearn's reference (e.g.
``from bplearn.layers import relu``) gets ``uses_reference`` and no points.  Out of scope: a learner who
deliberately reverse-engineers the grader's protocol to forge evidence files from inside the kernel, or
who wraps bplearn's reference in a function of their own; a black-box check cannot tell those from honest
work, and the feedback files and summary are there for an instructor to look at.  Grade cells without a
``check(...)`` call are graded as nbgrader does (points when the cell runs without error), which trusts
the kernel.  The kernel runs as the user who grades, with limits on time and memory but not on what it
may read or write: grade untrusted submissions in a container or account that holds nothing secret.

Outputs in --out: grades.csv (one row per learner, one column per exercise, then total),
feedback/<learner>.md, summary.md (which mistakes the class makes most) and summary.csv.
"""
import copy
import csv
import hashlib
import json
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat

from . import notebook as fmt
from . import DEFAULT_MEMORY, DEFAULT_TIMEOUT

MAX_SUBMISSION_BYTES = 50 * 2**20
ORIGIN = "bplearn_cell_number"      # metadata on the learner's own cells in the notebook the grader runs


@dataclass
class ExerciseGrade:
    id: str
    points: float
    max_points: float
    diagnosis: str
    message: str


@dataclass
class SubmissionGrade:
    learner: str
    notebook: str                  # source notebook name, or "" when unknown
    path: str
    grades: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    reason: str = ""               # why the submission could not run at all
    unchanged: bool = True         # the file's bytes were the same after grading

    @property
    def points(self):
        return sum(g.points for g in self.grades)

    @property
    def max_points(self):
        return sum(g.max_points for g in self.grades)


@dataclass
class Task:
    path: str
    learner: str
    notebook: str
    source: str                    # path of the source notebook, or ""
    timeout: float
    memory_limit: int
    reason: str = ""               # set when the task is known to be ungradable before it runs


# ---------------------------------------------------------------- which learner, which notebook

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
            files += [p for p in sorted(s.rglob("*.ipynb"))
                      if ".ipynb_checkpoints" not in p.parts and p.is_file()]
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


def safe_name(learner):
    return re.sub(r"[^\w.-]+", "_", learner).strip("._") or "learner"


# ---------------------------------------------------------------- one submission (runs in a worker)

def restore_protected(source_nb, submission_nb):
    """The notebook to run: the submission with locked and check cells taken from the source.  Returns
    (notebook, notes)."""
    from .release import release_notebook
    released = {fmt.grade_id(c): c for c in release_notebook(source_nb, validate=False).cells if fmt.is_protected(c)}
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
        present = {k: (v + 1 if v > anchor else v) for k, v in present.items()}
        present[gid] = anchor + 1
        notes.append(f"The cell {gid!r} was missing; the original was put back.")
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(source_nb.metadata))
    return nb, notes


def _fresh(cell):
    cell = copy.deepcopy(cell)
    if cell.get("cell_type") == "code":
        cell["outputs"], cell["execution_count"] = [], None
    if "source" in cell and isinstance(cell["source"], list):
        cell["source"] = "".join(cell["source"])
    return cell


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
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def grade_submission(task):
    """Grade one submission (a Task); never raises."""
    before = sha256(task.path)
    result = SubmissionGrade(task.learner, task.notebook, task.path)
    try:
        _grade(task, result)
    except Exception as exc:  # a bug of ours must not stop the batch
        result.reason = result.reason or f"internal error while grading: {type(exc).__name__}: {exc}"
        for g in result.grades:
            g.points, g.diagnosis, g.message = 0, "checker_error", result.reason
    result.unchanged = sha256(task.path) == before
    return result


def _grade(task, result):
    from .release import copy_support_files
    from .execute import run_notebook
    from .release import registered_points
    registered = registered_points()
    source_nb = nbformat.read(task.source, as_version=4) if task.source else None
    items = fmt.exercises_of(source_nb, registered) if source_nb is not None else []
    result.grades = [ExerciseGrade(it["id"], 0, it["points"], "not_submitted", "") for it in items]
    reason = task.reason
    nb = None
    if not reason:
        nb, reason = read_submission(task.path)
    if reason:
        result.reason = reason
        for g in result.grades:
            g.message = reason
        return
    nb, result.notes = restore_protected(source_nb, nb)
    with tempfile.TemporaryDirectory(prefix="bplearn-grade-") as tmp, \
            tempfile.TemporaryDirectory(prefix="bplearn-judge-") as kept:
        workdir, evidence_dir = Path(tmp) / "work", Path(tmp) / "evidence"
        workdir.mkdir()
        evidence_dir.mkdir()
        copy_support_files(Path(task.source).parent, workdir)
        nb, where = add_evidence_cells(nb, registered, evidence_dir)
        run = run_notebook(nb, workdir, timeout=task.timeout, memory_limit=task.memory_limit,
                           after_cell=take_evidence(where, evidence_dir, kept))
        result.grades = judge_all(where, run, kept, strict=True, timeout=task.timeout)
    result.notes += run_notes(run, where)
    if run.failure:
        result.reason = run.failure


def add_evidence_cells(nb, registered, evidence_dir):
    """A copy of ``nb`` with an evidence cell after each check cell.  Returns (notebook, items) where each
    item (see notebook.exercises_of) has ``index`` (its grade cell) and ``evidence_index``."""
    from .collect import cell_source
    items = fmt.exercises_of(nb, registered)
    cells, where, by_cell = [], [], defaultdict(list)
    for it in items:
        by_cell[it["index"]].append(it)
    for index, cell in enumerate(nb.cells):
        cells.append(cell)
        new_index = len(cells) - 1
        for it in by_cell.get(index, []):
            it = dict(it, index=new_index)
            if it["kind"] == "check":
                cells.append(nbformat.v4.new_code_cell(cell_source(it["id"], it["answer"], evidence_dir)))
                it["evidence_index"] = len(cells) - 1
            where.append(it)
    out = copy.copy(nb)
    out.cells = cells
    return out, where


def take_evidence(items, evidence_dir, kept):
    """A callback for run_notebook: right after an evidence cell, move its files to ``kept`` (a folder the
    kernel never hears of), so no later cell of the notebook can change them."""
    by_index = {it["evidence_index"]: it["id"] for it in items if "evidence_index" in it}

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


def judge_all(items, run, evidence_dir, strict, timeout):
    """ExerciseGrades from the evidence files (and, for plain grade cells, whether the cell ran cleanly)."""
    from bplearn.exercises import evidence, registry
    from bplearn.exercises.result import Verdict
    grades = []
    for it in items:
        if it["kind"] == "cell":
            verdict = _cell_verdict(run, it["index"], timeout)
        else:
            path = Path(evidence_dir) / it["id"]
            if path.with_suffix(".json").exists():
                try:
                    found = evidence.load(path)
                    origin = found.get("origin") if isinstance(found, dict) else None
                    if strict and isinstance(origin, str) and origin.split(".")[0] == "bplearn":
                        verdict = Verdict(False, "uses_reference", f"{it['answer']} is bplearn's own reference "
                                          f"({origin}), not your implementation.")
                    else:
                        verdict = registry.get(it["id"]).judge(found)
                except Exception as exc:
                    verdict = Verdict(False, "checker_error", f"the evidence could not be judged ({type(exc).__name__}: {exc})")
            else:
                verdict = _missing_verdict(run, it, timeout)
        grades.append(ExerciseGrade(it["id"], it["points"] if verdict.passed else 0, it["points"],
                                    verdict.diagnosis, verdict.message))
    return grades


def _cell_verdict(run, index, timeout):
    from bplearn.exercises.result import Verdict
    problem = run.problem(index)
    if problem is None and run.nb.cells[index].get("execution_count") is not None:
        return Verdict(True, "passed", "The test cell ran without error.")
    if problem is None:
        return Verdict(False, "kernel_died", run.failure or "The test cell did not run.")
    code = {"timeout": "timeout", "hung": "timeout", "died": "kernel_died"}.get(problem.kind, "error")
    answer = next((i for i in range(index - 1, -1, -1) if fmt.is_solution(run.nb.cells[i])), None)
    unanswered = answer is not None and (run.problem(answer) or problem).detail.startswith("NotImplementedError")
    if problem.kind == "error" and (problem.detail.startswith("NotImplementedError") or unanswered):
        return Verdict(False, "not_implemented", "Not implemented yet: the answer before this test cell raises "
                                                 "NotImplementedError.")
    return Verdict(False, code, f"The test cell failed: {problem.detail}.")


def _missing_verdict(run, it, timeout):
    from bplearn.exercises.result import Verdict
    if run.failure:
        return Verdict(False, "kernel_died", run.failure)
    problem = run.problem(it["evidence_index"])
    if problem is not None and problem.kind in ("timeout", "hung"):
        return Verdict(False, "timeout", f"{it['answer']} did not finish within {timeout:g} s when checked "
                                         "(an endless loop?).")
    if problem is not None and problem.kind == "died":
        return Verdict(False, "kernel_died", f"Checking {it['answer']} ended the Python process "
                                             "(os._exit, exit(), a crash or running out of memory).")
    died = [p for p in run.problems if p.kind in ("died", "hung")]
    if died or not run.finished:
        return Verdict(False, "kernel_died", "The notebook could not run to the end: the kernel died or hung "
                                             "repeatedly.")
    detail = f" ({problem.detail})" if problem else ""
    return Verdict(False, "checker_error", f"The check could not run{detail}.")


def run_notes(run, items):
    """Sentences about the learner's own cells: which timed out, ended the kernel, or raised
    (NotImplementedError aside).  Cells are numbered as in the learner's notebook, from 1."""
    notes = []
    for p in sorted(run.problems, key=lambda p: p.index):
        cell = run.nb.cells[p.index]
        number = cell.get("metadata", {}).get(ORIGIN)
        if number is None:                     # a restored cell or one the grader added: reported per exercise
            continue
        first = next((line.strip() for line in fmt.source_text(cell).splitlines() if line.strip()), "")
        which = f"Cell {number} (`{first[:60]}`)"
        if p.kind == "died":
            notes.append(f"{which} ended the kernel (os._exit, exit(), a crash or too much memory); "
                         "it was skipped and the notebook run again without it.")
        elif p.kind == "hung":
            notes.append(f"{which} {p.detail}; it was skipped and the notebook run again without it.")
        elif p.kind == "timeout":
            notes.append(f"{which} was stopped: it ran longer than the time limit.")
        elif not p.detail.startswith("NotImplementedError"):
            notes.append(f"{which} raised {p.detail[:300]}")
    return notes[:20]


# ---------------------------------------------------------------- the batch

@dataclass
class Report:
    submissions: list
    columns: list                   # [(column name, exercise id, notebook name, max points)]
    sources: dict


def grade(submissions, out, source="notebooks/solutions", jobs=1, timeout=DEFAULT_TIMEOUT,
          memory_limit=DEFAULT_MEMORY, progress=None):
    """Grade every submission and write the reports into ``out``.  Returns the Report."""
    from .release import registered_points
    sources = find_sources(source)
    files = expand(submissions)
    if not files:
        raise FileNotFoundError("no submissions found (give notebook files or folders holding *.ipynb)")
    tasks, seen = [], {}
    for path, learner, name in assign(files, sources):
        reason = ""
        if not name:
            reason = (f"cannot tell which notebook this is: name the file like one of "
                      f"{', '.join(sources)} or grade it with --source pointing at its notebook")
        elif (learner, name) in seen:
            reason = f"a second submission of {name} by {learner}; only {seen[(learner, name)]} was graded"
        else:
            seen[(learner, name)] = str(path)
        tasks.append(Task(str(path), learner, name, str(sources[name]) if name else "", timeout, memory_limit,
                          reason))
    results = [None] * len(tasks)
    if jobs > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(grade_submission, t): i for i, t in enumerate(tasks)}
            for future in as_completed(futures):
                try:
                    results[futures[future]] = future.result()
                except Exception:           # a worker process died: grade that one again below
                    continue
                if progress:
                    progress(results[futures[future]])
    for i, t in enumerate(tasks):
        if results[i] is None:
            results[i] = grade_submission(t)
            if progress:
                progress(results[i])
    registered = registered_points()
    graded_notebooks = sorted({t.notebook for t in tasks if t.notebook})
    columns = []
    for name in graded_notebooks:
        for it in fmt.exercises_of(nbformat.read(sources[name], as_version=4), registered):
            columns.append((it["id"], it["id"], name, it["points"]))
    ids = Counter(c[0] for c in columns)
    columns = [(f"{Path(n).stem}:{i}" if ids[i] > 1 else i, i, n, p) for _, i, n, p in columns]
    report = Report(results, columns, sources)
    write_reports(report, out)
    return report


# ---------------------------------------------------------------- reports

def learners(report):
    """{learner: [SubmissionGrade]} in order of first appearance."""
    by = {}
    for s in report.submissions:
        by.setdefault(s.learner, []).append(s)
    return by


def _cell(report, subs):
    """{column name: ExerciseGrade} for one learner (the graded submission of each notebook)."""
    found = {}
    for s in subs:
        if s.reason.startswith("a second submission"):
            continue
        for g in s.grades:
            col = next((c for c, i, n, _ in report.columns if i == g.id and n == s.notebook), None)
            if col:
                found[col] = g
    return found


def write_reports(report, out):
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    by = learners(report)
    with open(out / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["learner"] + [c for c, *_ in report.columns] + ["total"])
        for learner, subs in by.items():
            got = _cell(report, subs)
            row = [got[c].points if c in got else 0 for c, *_ in report.columns]
            w.writerow([learner] + [_num(x) for x in row] + [_num(sum(row))])
    for learner, subs in by.items():
        (out / "feedback" / f"{safe_name(learner)}.md").write_text(feedback_text(report, learner, subs))
    (out / "summary.md").write_text(summary_text(report))
    counts = diagnosis_counts(report)
    with open(out / "summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["exercise", "diagnosis", "learners"])
        for (col, diagnosis), n in counts.items():
            w.writerow([col, diagnosis, n])


def diagnosis_counts(report):
    counts = Counter()
    for learner, subs in learners(report).items():
        got = _cell(report, subs)
        for col, *_ in report.columns:
            counts[(col, got[col].diagnosis if col in got else "not_submitted")] += 1
    return dict(sorted(counts.items(), key=lambda kv: ([c for c, *_ in report.columns].index(kv[0][0]), -kv[1])))


def feedback_text(report, learner, subs):
    from bplearn.exercises.result import DIAGNOSES
    max_total = sum(p for *_, p in report.columns)
    got = _cell(report, subs)
    total = sum(g.points for g in got.values())
    lines = [f"# Feedback for {learner}", "", f"Total: {_num(total)} / {_num(max_total)} points", ""]
    for s in subs:
        lines += [f"## {s.notebook or Path(s.path).name}: {_num(s.points)} / {_num(s.max_points)} points",
                  "", f"Submission: `{s.path}`", ""]
        if s.reason:
            lines += [f"**Could not be graded fully:** {s.reason}", ""]
        if s.grades:
            lines += ["| exercise | points | verdict |", "|---|---|---|"]
            for g in s.grades:
                mark = "✓" if g.diagnosis == "passed" else "✗"
                lines.append(f"| {g.id} | {_num(g.points)} / {_num(g.max_points)} | {mark} {g.diagnosis.replace('_', ' ')} |")
            lines.append("")
            for g in s.grades:
                if g.diagnosis != "passed":
                    lines += [f"### {g.id}: {g.diagnosis.replace('_', ' ')}", "",
                              f"_{DIAGNOSES.get(g.diagnosis, '')}_", "", g.message or "", ""]
        if s.notes:
            lines += ["### Notes", ""] + [f"- {n}" for n in s.notes] + [""]
    missing = sorted({n for _, _, n, _ in report.columns} - {s.notebook for s in subs})
    if missing:
        lines += ["## Not handed in", ""] + [f"- {n}" for n in missing] + [""]
    return "\n".join(lines)


def summary_text(report):
    from bplearn.exercises.result import DIAGNOSES
    by = learners(report)
    max_total = sum(p for *_, p in report.columns)
    totals = [sum(g.points for g in _cell(report, subs).values()) for subs in by.values()]
    lines = ["# Grading summary", "",
             f"{len(report.submissions)} submissions from {len(by)} learners; "
             f"mean total {_num(round(sum(totals) / max(1, len(totals)), 2))} / {_num(max_total)} points.", "",
             "## Exercises, hardest first", "", "| exercise | notebook | points | passed | of |", "|---|---|---|---|---|"]
    passed = Counter()
    for subs in by.values():
        for col, g in _cell(report, subs).items():
            passed[col] += g.diagnosis == "passed"
    for col, _, nb, pts in sorted(report.columns, key=lambda c: passed[c[0]]):
        lines.append(f"| {col} | {nb} | {_num(pts)} | {passed[col]} | {len(by)} |")
    lines += ["", "## Mistakes per exercise (most frequent first)", "",
              "| exercise | diagnosis | learners | meaning |", "|---|---|---|---|"]
    for (col, diagnosis), n in diagnosis_counts(report).items():
        if diagnosis != "passed":
            lines.append(f"| {col} | {diagnosis} | {n} | {DIAGNOSES.get(diagnosis, '')} |")
    problems = [s for s in report.submissions if s.reason]
    if problems:
        lines += ["", "## Submissions that could not be graded fully", ""]
        lines += [f"- {s.learner} ({s.notebook or Path(s.path).name}): {s.reason}" for s in problems]
    changed = [s for s in report.submissions if not s.unchanged]
    if changed:
        lines += ["", "## Warning: files that changed while grading", ""] + [f"- {s.path}" for s in changed]
    return "\n".join(lines) + "\n"


def _num(x):
    return f"{x:g}" if isinstance(x, float) else str(x)
