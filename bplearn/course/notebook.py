"""The notebook format: nbgrader-compatible cells, solution regions, and which cell checks what.

Cell metadata (nbgrader schema 3): ``{"nbgrader": {"grade": bool, "solution": bool, "locked": bool,
"grade_id": str, "points": number, "schema_version": 3}}``.

    solution cell   solution true: the learner's code; ``### BEGIN SOLUTION`` ... ``### END
    SOLUTION``
                    becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` in the learner
                    version
    check cell      grade true, locked true, points: calls ``check("<exercise id>", <answer>)``;
                    ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` is removed in the
                    learner version
    locked cell     locked true: instructions or set-up the learner must not change

A grade cell without a ``check(...)`` call is graded as nbgrader does: its points when it runs
without error.
"""

import ast
import re
from dataclasses import dataclass

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = "YOUR ANSWER HERE"


class NotebookFormatError(ValueError):
    """A source notebook breaks the format (unbalanced markers, duplicate grade ids, ...)."""


def meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell):
    return meta(cell).get("grade_id")


def is_solution(cell):
    return bool(meta(cell).get("solution"))


def is_grade(cell):
    return bool(meta(cell).get("grade"))


def is_protected(cell):
    """Locked or check cells: restored from the source when grading (a learner's edits do not
    count)."""
    m = meta(cell)
    return bool((m.get("locked") or m.get("grade")) and not m.get("solution") and m.get("grade_id"))


def source_text(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _regions(lines, begin, end, where):
    """Yield (start, stop) line indices of begin/end regions; raise on unbalanced markers."""
    start = None
    for i, line in enumerate(lines):
        if begin in line:
            if start is not None:
                raise NotebookFormatError(
                    f"{where}: {begin!r} inside another region (line {i + 1})"
                )
            start = i
        elif end in line:
            if start is None:
                raise NotebookFormatError(f"{where}: {end!r} without {begin!r} (line {i + 1})")
            yield start, i
            start = None
    if start is not None:
        raise NotebookFormatError(f"{where}: {begin!r} without {end!r}")


def has_marker(text, *markers):
    return any(m in text for m in markers)


def clear_solutions(text, cell_type, where="cell"):
    """Replace each solution region by the stub, at the indentation of its BEGIN line.

    A solution cell without markers is replaced whole (as nbgrader does)."""
    lines = text.split("\n")
    regions = list(_regions(lines, BEGIN_SOLUTION, END_SOLUTION, where))
    if not regions:
        return "\n".join(CODE_STUB) if cell_type == "code" else MARKDOWN_STUB
    out, last = [], 0
    for start, stop in regions:
        out += lines[last:start]
        indent = re.match(r"\s*", lines[start]).group(0)
        out += [indent + s for s in CODE_STUB] if cell_type == "code" else [indent + MARKDOWN_STUB]
        last = stop + 1
    return "\n".join(out + lines[last:])


def remove_hidden_tests(text, where="cell"):
    lines = text.split("\n")
    regions = list(_regions(lines, BEGIN_HIDDEN, END_HIDDEN, where))
    keep = [line for i, line in enumerate(lines) if not any(a <= i <= b for a, b in regions)]
    return "\n".join(keep)


def solution_lines(text):
    """The lines inside solution regions (for tests that no solution text leaks)."""
    lines = text.split("\n")
    try:
        regions = list(_regions(lines, BEGIN_SOLUTION, END_SOLUTION, "cell"))
    except NotebookFormatError:
        return []
    return [lines[i] for a, b in regions for i in range(a + 1, b)]


# ---------------------------------------------------------------- which cell checks what

_CHECK_RE = re.compile(r"""\bcheck\(\s*["']([A-Za-z_][\w]*)["']\s*,\s*([^,()]+?)\s*[,)]""")


def check_calls(text):
    """[(exercise_id, answer expression)] for each ``check("id", answer)`` call in a cell, in order,
    once per id."""
    found = []
    cleaned = "\n".join(
        "" if line.lstrip().startswith("!") else re.sub(r"^\s*%{1,2}\w+\s*", "", line)
        for line in text.split("\n")
    )
    try:
        tree = ast.parse(cleaned)
    except SyntaxError:
        found = _CHECK_RE.findall(cleaned)
    else:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            first = node.args[0]
            if name == "check" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, node.col_offset, first.value, ast.unparse(node.args[1])))
        found = [(e, a) for _, _, e, a in sorted(found)]
    unique = {}
    for exercise_id, answer in found:
        unique.setdefault(exercise_id, answer)
    return list(unique.items())


@dataclass
class GradedItem:
    """One thing a notebook grades: an exercise checked in a grade cell, or a grade cell of its own.

    id              the exercise id ("check" items) or the cell's grade_id ("cell" items)
    points          what it is worth: the exercise's points, or the cell's nbgrader points
    grade_id        the grade_id of the grade cell
    kind            "check": a ``check("id", answer)`` call, judged from evidence;
                    "cell": a grade cell without a check, worth its points when it runs without
                    error
    answer          the expression checked, e.g. "relu" (None for "cell" items)
    index           the position of the grade cell in the notebook
    evidence_index  the position of the evidence cell the grader adds after it (None until it is
    added)
    """

    id: str
    points: float
    grade_id: str
    kind: str
    answer: str = None
    index: int = 0
    evidence_index: int = None


def exercises_of(nb, registered):
    """The GradedItems of a notebook, in order.

    ``registered`` maps known exercise ids to their points.  A grade cell with ``check(...)`` calls
    of registered ids yields one "check" item per id; a grade cell without yields one "cell" item
    (id = its grade_id, points from its metadata)."""
    items, seen = [], set()
    for index, cell in enumerate(nb.cells):
        if not is_grade(cell) or is_solution(cell) or cell.get("cell_type") != "code":
            continue
        calls = [(e, a) for e, a in check_calls(source_text(cell)) if e in registered]
        if calls and all(e in seen for e, _ in calls):
            # an exercise counts once, at its first check cell
            continue
        calls = [(e, a) for e, a in calls if e not in seen]
        seen.update(e for e, _ in calls)
        if calls:
            items += [
                GradedItem(e, registered[e], grade_id(cell), "check", a, index) for e, a in calls
            ]
        else:
            items.append(
                GradedItem(
                    grade_id(cell),
                    meta(cell).get("points", 0) or 0,
                    grade_id(cell),
                    "cell",
                    None,
                    index,
                )
            )
    return items


def validate_source(nb, registered, name="notebook"):
    """Problems with a source notebook, as sentences (empty when it is fine)."""
    problems, seen = [], {}
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        m, text = meta(cell), source_text(cell)
        gid = m.get("grade_id")
        if (m.get("grade") or m.get("solution") or m.get("locked")) and not gid:
            problems.append(f"{where}: nbgrader cells need a grade_id")
        if gid:
            if gid in seen:
                problems.append(f"{where}: grade_id {gid!r} is used by cell {seen[gid]} too")
            seen[gid] = index
        if m.get("grade") and "points" not in m:
            problems.append(f"{where}: a grade cell needs points")
        if has_marker(text, BEGIN_SOLUTION, END_SOLUTION) and not m.get("solution"):
            problems.append(f"{where}: solution markers in a cell that is not a solution cell")
        if has_marker(text, BEGIN_HIDDEN, END_HIDDEN) and not m.get("grade"):
            problems.append(f"{where}: hidden tests in a cell that is not a grade cell")
        for begin, end in ((BEGIN_SOLUTION, END_SOLUTION), (BEGIN_HIDDEN, END_HIDDEN)):
            try:
                list(_regions(text.split("\n"), begin, end, where))
            except NotebookFormatError as exc:
                problems.append(str(exc))
        if m.get("grade") and cell.get("cell_type") == "code":
            calls = check_calls(text)
            unknown = [e for e, _ in calls if e not in registered]
            if unknown:
                problems.append(
                    f"{where}: check() of unknown exercise {', '.join(map(repr, unknown))}"
                )
            known = [e for e, _ in calls if e in registered]
            if known and abs(sum(registered[e] for e in known) - (m.get("points") or 0)) > 1e-9:
                problems.append(
                    f"{where}: points {m.get('points')} but {', '.join(known)}"
                    f" {'is' if len(known) == 1 else 'are'} worth"
                    f" {sum(registered[e] for e in known)}"
                )
    return problems
