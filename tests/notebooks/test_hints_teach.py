"""Hints that teach: every hint of every exercise asks a question or names the next step, and none
contains the answer's code.

A hint is a ``<details><summary>Hint ...</summary> ... </details>`` block in the markdown before an
exercise's solution cell.  The rules:

- **asks or names the next step**: the hint has a question mark, or its body starts with a verb
  that tells the learner what to do next (``NEXT_STEP``);
- **no answer's expression**: no piece of the solution's code (each call, arithmetic expression and
  augmented assignment of six characters or more, normalised as in the no-giveaway test) is in the
  hint's text, and no piece's *shape* (names renamed, see test_gradient_exercises_give_nothing_away)
  is in the hint's code (its backticked spans);
- **the last one stops one step short**: the last hint, like every other, leaves the line to write.

``test_a_hint_that_gives_the_line_fails`` plants the hints issue 19 found back in and checks each
one fails.
"""

import ast
import re
import textwrap
from pathlib import Path

import nbformat
import pytest
from test_gradient_exercises_give_nothing_away import SOLUTION, code_shapes, normalise, shape

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "notebooks" / "solutions"
HINT = re.compile(r"<details><summary>(Hint[^<]*)</summary>(.*?)</details>", re.S)
MIN_PIECE = 6
NEXT_STEP = {
    "apply", "ask", "call", "check", "collect", "compare", "compute", "count", "differentiate",
    "divide", "draw", "find", "first", "follow", "go", "keep", "look", "multiply", "put", "split",
    "start", "sum", "take", "think", "treat", "use", "walk", "write", "work",
}  # fmt: skip


def hints_by_exercise():
    """{(notebook, exercise id): [(title, body)]} for every exercise that has hints."""
    found = {}
    for path in sorted(SOURCES.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        pending = []
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and not meta.get("solution"):
                pending += [(t.strip(), b.strip()) for t, b in HINT.findall(cell.source)]
            elif meta.get("solution") and cell.cell_type == "code" and pending:
                found[(path.name, meta["grade_id"])] = pending
                pending = []
    return found


def answer_pieces(code):
    """{(normalised text, shape)} of every call, arithmetic expression and augmented assignment of
    the answer."""
    tree = ast.parse(textwrap.dedent(code))
    pieces = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Call, ast.BinOp, ast.Compare, ast.AugAssign)):
            text = normalise(ast.unparse(node))
            if len(text) >= MIN_PIECE:
                form = shape(node) if not isinstance(node, ast.AugAssign) else text
                pieces.add((text, form))
    return pieces


def solution_code(notebook, exercise_id):
    nb = nbformat.read(SOURCES / notebook, as_version=4)
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == exercise_id]
    return "\n".join(textwrap.dedent(r) for r in SOLUTION.findall(cell.source))


def names_a_step(body):
    """True when a sentence of ``body`` starts with a verb of NEXT_STEP ("Find ...", "Then sum
    ...")."""
    text = re.sub(r"\$[^$]*\$|`[^`]*`", "x", body)
    for sentence in re.split(r"(?<=[.:;!])\s+|\n\s*\n", text):
        words = [w.lower().strip(",:()") for w in sentence.split()]
        if words[:1] == ["then"] or words[:1] == ["now"]:
            words = words[1:]
        if words and words[0] in NEXT_STEP:
            return True
    return False


def span_shapes(span):
    """The texts and shapes of every call and arithmetic expression in a piece of code."""
    try:
        tree = ast.parse(span.strip())
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Call, ast.BinOp, ast.Compare)):
            found |= {shape(node), normalise(ast.unparse(node))}
    return found | set(code_shapes(span))


def problems(hints, code):
    """What is wrong with ``hints`` [(title, body)] for the answer ``code``: [sentence]."""
    found = []
    pieces = answer_pieces(code)
    for title, body in hints:
        if "?" not in body and not names_a_step(body):
            found.append(f"{title!r} neither asks a question nor names the next step")
        flat = normalise(body)
        spans = set()
        for span in re.findall(r"`([^`\n]+)`", body):
            spans |= span_shapes(span)
        for text, form in pieces:
            if text in flat or (len(form) >= MIN_PIECE and form in spans):
                found.append(f"{title!r} contains the answer's {text!r}")
    return found


CASES = sorted(hints_by_exercise().items())


@pytest.mark.parametrize(
    "notebook, exercise_id, hints", [(n, e, h) for (n, e), h in CASES], ids=[e for (_, e), _ in CASES]
)
def test_every_hint_asks_or_names_the_next_step_and_gives_no_line_of_the_answer(
    notebook, exercise_id, hints
):
    assert not problems(hints, solution_code(notebook, exercise_id))


def test_the_course_has_hints_to_check():
    assert len(CASES) >= 15


# The hints issue 19 found, as they were: each fails.
FOUND = {
    "network_backward": "`zip(step.params, grads)` pairs each parameter with its gradient; "
    "`p.grad += g` adds in place.",
    "topological_order": "A recursive function `visit(node)` inside `topological_order`: if the node "
    "was seen already, return; otherwise mark it as seen, call `visit` on each parent, and then "
    "append the node.",
    "softplus_backward": "$e^{1000}/(1 + e^{1000})$ is `inf/inf`, `nan`. bplearn's `layers.sigmoid` "
    "is written so that it never overflows.",
    "standard_init": "The bound is a = 1/√n_in: a number, not a variance.",
    "backward": "In step 4, `zip(node.parents, node.vjp(node.grad))` pairs each parent with its "
    "gradient.",
}


@pytest.mark.parametrize("exercise_id", list(FOUND))
def test_a_hint_that_gives_the_line_fails(exercise_id):
    ((notebook, _),) = [k for k in hints_by_exercise() if k[1] == exercise_id]
    assert problems([("Hint", FOUND[exercise_id])], solution_code(notebook, exercise_id))
