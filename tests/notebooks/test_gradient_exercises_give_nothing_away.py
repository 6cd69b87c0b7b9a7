"""No gradient exercise shows its answer before the learner writes it.

A gradient exercise is a solution cell whose grade_id ends in ``_backward``, ``_gradient`` or
``_gradients``. Its answer's expressions are the right-hand sides of the solution's gradient lines
(assignments to a name that starts with ``d`` or ``grad``, and what it returns), with every
arithmetic sub-expression of six characters or more.  None of them may appear, normalised for
whitespace and float literals (``1.0`` is ``1``), in the notebook's markdown or code before the
exercise's check cell, nor in the released stub (the learner's version of the solution cell), and
the stub states no formula for a gradient (``dZ = ...``).  LaTeX is not code, so a formula written
as maths does not count as a
match: the rule is about what a learner could copy.

``GIVEN`` lists the few building blocks an exercise may share with the worked example before it,
each with its reason; everything else must be derived by the learner.
"""
import ast
import re
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "notebooks" / "solutions"
LEARNER = ROOT / "notebooks"
GRADIENT_ID = re.compile(r"_(backward|gradient|gradients)$")
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
MIN_LENGTH = 6
# a stub may give shapes and what it returns, never a formula such as "dZ = dA * ..." or "dW = X^T
# dZ"
STUB_FORMULA = re.compile(r"\bd[A-Za-z_0-9]*\s*=\s*[^=\s,)][^\n]*")

# exercise id -> {normalised expression: why the page may show it}
GIVEN = {
    "neuron_gradients": {
        "2*(a-y)": "the squared error's local derivative: the worked tanh neuron has the same loss; the exercise "
                   "asks for the sigmoid's local derivative and the vector of weights",
    },
    "mse_backward": {
        "Y_hat-Y": "the residual is part of the loss itself (notebook 02), not of its gradient",
    },
}


def normalise(text):
    text = re.sub(r"\s+", "", text).replace("np.", "")
    return re.sub(r"(?<![\w.])(\d+)\.0(?![\d])", r"\1", text)


def _target_is_gradient(target):
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_target_is_gradient(t) for t in target.elts)
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        target = target.value
    return isinstance(target, ast.Name) and (target.id.startswith("d") or target.id.startswith("grad"))


def _values(node):
    if isinstance(node, (ast.Tuple, ast.List)):
        return [v for elt in node.elts for v in _values(elt)]
    return [node]


def answer_expressions(solution_code):
    """The normalised expressions of the solution's gradient lines, with their sub-expressions."""
    tree = ast.parse(textwrap.dedent(solution_code))
    roots = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(_target_is_gradient(t) for t in node.targets):
            roots += _values(node.value)
        elif isinstance(node, ast.AugAssign) and _target_is_gradient(node.target):
            roots += _values(node.value)
        elif isinstance(node, ast.Return) and node.value is not None:
            roots += _values(node.value)
    found = set()
    for root in roots:
        for sub in ast.walk(root):
            if sub is root or isinstance(sub, ast.BinOp):
                if isinstance(sub, (ast.Name, ast.Constant, ast.Attribute)):
                    continue
                text = normalise(ast.unparse(sub))
                if len(text) >= MIN_LENGTH:
                    found.add(text)
    return found


def gradient_exercises():
    rows = []
    for path in sorted(SOURCES.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            meta = cell.metadata.get("nbgrader", {})
            gid = meta.get("grade_id", "")
            if meta.get("solution") and cell.cell_type == "code" and GRADIENT_ID.search(gid):
                rows.append(pytest.param(path.name, gid, id=f"{path.stem}-{gid}"))
    return rows


def leaks(notebook_name, exercise_id):
    """[(expression, where)] for every answer expression shown before the check or in the stub."""
    nb = nbformat.read(SOURCES / notebook_name, as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    solution_at, check_at = ids.index(exercise_id), ids.index("check_" + exercise_id)
    solution_cell = nb.cells[solution_at].source
    regions = SOLUTION.findall(solution_cell)
    assert regions, f"{exercise_id}: no solution region"
    expressions = set().union(*(answer_expressions(r) for r in regions)) - set(GIVEN.get(exercise_id, {}))
    before = []
    for j, cell in enumerate(nb.cells[:check_at]):
        text = SOLUTION.sub("", cell.source) if j == solution_at else cell.source
        before.append((f"cell {j} ({cell.cell_type})", normalise(text)))
    learner = LEARNER / notebook_name
    if learner.exists():
        released = nbformat.read(learner, as_version=4)
        for cell in released.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == exercise_id:
                before.append(("the released stub", normalise(cell.source)))
    found = [(e, where) for e in expressions for where, text in before if e in text]
    stubs = [("the stub", SOLUTION.sub("", solution_cell))] + [(w, t) for w, t in before if w == "the released stub"]
    for where, text in stubs:
        formula = STUB_FORMULA.search(text)
        if formula:
            found.append((formula.group(0), where + " states a gradient formula"))
    return sorted(found)


@pytest.mark.parametrize("notebook_name, exercise_id", gradient_exercises())
def test_no_gradient_exercise_shows_its_answer_before_its_check(notebook_name, exercise_id):
    found = leaks(notebook_name, exercise_id)
    assert not found, f"{exercise_id} in {notebook_name}: the answer is on the page: " + \
        "; ".join(f"{e!r} in {where}" for e, where in found)


def test_the_answer_expressions_are_the_gradient_lines_and_their_parts():
    code = "z = x @ w + b\ndZ = dA * (1.0 - np.tanh(Z) ** 2)\nreturn dZ, X.T @ dZ\n"
    found = answer_expressions(code)
    assert {"dA*(1-tanh(Z)**2)", "1-tanh(Z)**2", "tanh(Z)**2", "X.T@dZ"} <= found
    assert "x@w+b" not in found                      # a forward line is not the answer


def test_a_page_that_shows_the_answer_is_caught(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("The gradient is `dW = X.T @ dZ`."),
                nbformat.v4.new_code_cell("def w_backward(dZ, X):\n    ### BEGIN SOLUTION\n    dW = X.T @ dZ\n"
                                          "    return dW\n    ### END SOLUTION\n"),
                nbformat.v4.new_code_cell("check('w_backward', w_backward)")]
    nb.cells[1].metadata["nbgrader"] = {"solution": True, "grade_id": "w_backward"}
    nb.cells[2].metadata["nbgrader"] = {"grade": True, "grade_id": "check_w_backward"}
    nbformat.write(nb, tmp_path / "x.ipynb")
    monkeypatch.setattr(sys.modules[__name__], "SOURCES", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "LEARNER", tmp_path / "none")
    assert leaks("x.ipynb", "w_backward") == [("X.T@dZ", "cell 0 (markdown)")]
