"""No gradient exercise is answered anywhere in the course before the learner writes it.

A gradient exercise is a solution cell whose grade_id ends in ``_backward``, ``_gradient`` or
``_gradients``. Its answer's expressions are the right-hand sides of the solution's gradient lines
(assignments to a name that starts with ``d`` or ``grad``, and what it returns), with every
arithmetic sub-expression of six characters or more.

"Before" is everything a learner has read by the exercise's check cell, in course order (the
notebooks sorted by name): every cell of every earlier notebook and of this one up to the check,
markdown (hints included) and code, with the solution regions taken out (a learner sees only their
own answers), and the released stub.  An answer is shown there when

- its text appears, normalised for whitespace, ``np.`` and float literals (``1.0`` is ``1``); or
- its *shape* appears in a line of code: the same expression with the names renamed in order of
  appearance and a forward value written as a name (``dA * (1 - np.tanh(Z) ** 2)`` and
  ``da * (1 - a ** 2)`` with ``a = tanh(z)`` are both ``v0*(1-v1**2)``).  In the exercise's own
  notebook every shape of ``MIN_SHAPE_HERE`` characters or more (``X4.T @ dZ`` before
  ``matmul_backward``'s ``A.T @ dout``); in
  earlier notebooks only shapes of ``MIN_SHAPE`` characters or more: a product such as
  ``v0.T@v1``, derived once in notebook 04, is what later notebooks build on.

The stub states no formula for a gradient (``dZ = ...``).  LaTeX is not code, so a formula written
as maths does not count: the rule is about what a learner could copy.  ``GIVEN`` lists the few
building blocks an exercise may share with the page before it, each with its reason.
"""

import ast
import functools
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
MIN_SHAPE = 9  # shapes compared with earlier notebooks
MIN_SHAPE_HERE = 7  # with the exercise's own notebook: v0.T@v1 counts, v0*v1 does not
# a forward value: a call of one of these on a name counts as a name of its own (a = tanh(z))
FORWARD = {"tanh", "exp", "sigmoid", "abs", "sqrt", "log", "sign", "maximum", "minimum"}
# a stub may give shapes and what it returns, never a formula such as "dZ = dA * ..."
STUB_FORMULA = re.compile(r"\bd[A-Za-z_0-9]*\s*=\s*[^=\s,)][^\n]*")

# exercise id -> {normalised expression or shape: why the page may show it}
GIVEN = {
    "neuron_gradients": {
        "2*(a-y)": "the squared error's local derivative: the worked tanh neuron has the same loss;"
        " the exercise asks for the sigmoid's local derivative and the vector of weights",
        "2*(v0-v1)": "the same, renamed",
    },
    "mse_backward": {
        "Y_hat-Y": "the residual is part of the loss itself (notebook 02), not of its gradient",
        "2*(v0-v1)": "the square's local derivative 2(a - y), the method of notebook 03; the exercise"
        " asks for the mean over all M entries",
    },
}


def normalise(text):
    text = re.sub(r"\s+", "", text).replace("np.", "")
    return re.sub(r"(?<![\w.])(\d+)\.0(?![\d])", r"\1", text)


class _Shape(ast.NodeTransformer):
    """Rename names in order of appearance; a forward value f(name) becomes a name."""

    def __init__(self):
        self.names = {}

    def _name(self, key):
        return ast.Name(self.names.setdefault(key, f"v{len(self.names)}"))

    def visit_Call(self, node):
        func = node.func
        fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if fname in FORWARD and len(node.args) == 1 and isinstance(node.args[0], ast.Name):
            return self._name(f"{fname}({node.args[0].id})")
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        return node

    def visit_Name(self, node):
        return node if node.id == "np" else self._name(node.id)


def shape(node, forward=None):
    """The expression with its names renamed (``forward``: {name: its forward call}, e.g. a ->
    tanh(z))."""
    tree = ast.parse(ast.unparse(node), mode="eval").body
    if forward:
        tree = _Substitute(forward).visit(tree)
    return normalise(ast.unparse(_Shape().visit(tree)))


class _Substitute(ast.NodeTransformer):
    def __init__(self, forward):
        self.forward = forward

    def visit_Name(self, node):
        return self.forward.get(node.id, node)


def _target_is_gradient(target):
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_target_is_gradient(t) for t in target.elts)
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        target = target.value
    return isinstance(target, ast.Name) and (
        target.id.startswith("d") or target.id.startswith("grad")
    )


def _values(node):
    if isinstance(node, (ast.Tuple, ast.List)):
        return [v for elt in node.elts for v in _values(elt)]
    return [node]


def _forward_values(tree):
    """{name: the call it holds} for lines such as ``a = np.tanh(z)``."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if isinstance(target, ast.Name) and isinstance(value, ast.Call):
                func = value.func
                fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if fname in FORWARD and len(value.args) == 1:
                    found[target.id] = value
    return found


def _parts(roots):
    for root in roots:
        for sub in ast.walk(root):
            if (sub is root or isinstance(sub, ast.BinOp)) and not isinstance(
                sub, (ast.Name, ast.Constant, ast.Attribute)
            ):
                yield sub


def answer_expressions(solution_code):
    """The normalised expressions of the solution's gradient lines, with their sub-expressions."""
    return {e for e, _ in answer_parts(solution_code)}


def answer_parts(solution_code):
    """{(normalised text, shape)} of the solution's gradient lines and their sub-expressions."""
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
    for sub in _parts(roots):
        text = normalise(ast.unparse(sub))
        if len(text) >= MIN_LENGTH:
            found.add((text, shape(sub)))
    return found


@functools.lru_cache(maxsize=None)
def code_shapes(code):
    """The shapes of every arithmetic expression in a cell's code (nothing when it does not
    parse)."""
    try:
        tree = ast.parse(textwrap.dedent(re.sub(r"(?m)^\s*[%!].*$", "", code)))
    except SyntaxError:
        return frozenset()
    forward = _forward_values(tree)
    roots = [n.value for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AugAssign))]
    roots += [n.value for n in ast.walk(tree) if isinstance(n, ast.Return) and n.value]
    return frozenset(
        {shape(sub, forward) for sub in _parts(roots)} | {shape(s) for s in _parts(roots)}
    )


def gradient_exercises():
    rows = []
    for path in sorted(SOURCES.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            gid = meta.get("grade_id", "")
            if meta.get("solution") and cell.cell_type == "code" and GRADIENT_ID.search(gid):
                rows.append(pytest.param(path.name, gid, id=f"{path.stem}-{gid}"))
    return rows


@functools.lru_cache(maxsize=None)
def read(path):
    return nbformat.read(path, as_version=4)


def shown_before(notebook_name, exercise_id):
    """[(where, cell type, text without solution regions)] a learner has read by the check."""
    shown = []
    for path in sorted(SOURCES.glob("*.ipynb")):
        if path.name > notebook_name:
            break
        cells = read(path).cells
        if path.name == notebook_name:
            ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]
            cells = cells[: ids.index("check_" + exercise_id)]
        for j, cell in enumerate(cells):
            text = SOLUTION.sub("", cell.source)
            where = f"{path.stem} cell {j} ({cell.cell_type})"
            shown.append((where, cell.cell_type, text, path.name == notebook_name))
    learner = LEARNER / notebook_name
    if learner.exists():
        for cell in nbformat.read(learner, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == exercise_id:
                shown.append(("the released stub", "code", cell.source, True))
    return shown


def leaks(notebook_name, exercise_id):
    """[(expression, where)] for every answer expression shown before the check or in the stub."""
    nb = nbformat.read(SOURCES / notebook_name, as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    solution_cell = nb.cells[ids.index(exercise_id)].source
    regions = SOLUTION.findall(solution_cell)
    assert regions, f"{exercise_id}: no solution region"
    given = set(GIVEN.get(exercise_id, {}))
    parts = {p for r in regions for p in answer_parts(r) if p[0] not in given}
    found = []
    for where, kind, text, same_notebook in shown_before(notebook_name, exercise_id):
        min_shape = MIN_SHAPE_HERE if same_notebook else MIN_SHAPE
        flat = normalise(text)
        shapes = set(code_shapes(text)) if kind == "code" else set()
        for spans in re.findall(r"`([^`\n]+)`", text) if kind == "markdown" else []:
            shapes |= code_shapes(spans)
        for expression, form in parts:
            if expression in flat:
                found.append((expression, where))
            elif len(form) >= min_shape and form not in given and form in shapes:
                found.append((f"{expression} (as {form})", where))
    stubs = [("the stub", SOLUTION.sub("", solution_cell))]
    stubs += [
        (w, t)
        for w, _, t, _ in shown_before(notebook_name, exercise_id)
        if w == "the released stub"
    ]
    for where, text in stubs:
        formula = STUB_FORMULA.search(text)
        if formula:
            found.append((formula.group(0), where + " states a gradient formula"))
    return sorted(set(found))


@pytest.mark.parametrize("notebook_name, exercise_id", gradient_exercises())
def test_no_gradient_exercise_is_answered_earlier_in_the_course(notebook_name, exercise_id):
    found = leaks(notebook_name, exercise_id)
    assert not found, f"{exercise_id} in {notebook_name}: the answer is on the page: " + "; ".join(
        f"{e!r} in {where}" for e, where in found
    )


def test_the_answer_expressions_are_the_gradient_lines_and_their_parts():
    code = "z = x @ w + b\ndZ = dA * (1.0 - np.tanh(Z) ** 2)\nreturn dZ, X.T @ dZ\n"
    found = answer_expressions(code)
    assert {"dA*(1-tanh(Z)**2)", "1-tanh(Z)**2", "tanh(Z)**2", "X.T@dZ"} <= found
    assert "x@w+b" not in found  # a forward line is not the answer


def test_a_renamed_answer_has_the_same_shape():
    (answer,) = [s for e, s in answer_parts("return dA * (1.0 - np.tanh(Z) ** 2)") if "dA" in e]
    assert answer in code_shapes("a = np.tanh(z)\ndz = da * (1 - a ** 2)")
    assert answer not in code_shapes("dz = da * (1 - a ** 3)")


def _course(tmp_path, cells_before):
    """A one-notebook course: ``cells_before``, then the exercise w_backward (dW = X.T @ dZ, and
    dA * (1 - tanh(Z)**2)) and its check."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(c) for c in cells_before]
    nb.cells += [
        nbformat.v4.new_code_cell(
            "def w_backward(dZ, X, dA, Z):\n    ### BEGIN SOLUTION\n    dW = X.T @ dZ\n"
            "    return dW, dA * (1.0 - np.tanh(Z) ** 2)\n    ### END SOLUTION\n"
        ),
        nbformat.v4.new_code_cell("check('w_backward', w_backward)"),
    ]
    nb.cells[-2].metadata["nbgrader"] = {"solution": True, "grade_id": "w_backward"}
    nb.cells[-1].metadata["nbgrader"] = {"grade": True, "grade_id": "check_w_backward"}
    nbformat.write(nb, tmp_path / "x.ipynb")


@pytest.fixture
def scratch_course(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "SOURCES", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "LEARNER", tmp_path / "none")
    return tmp_path


def test_a_page_that_shows_the_answer_is_caught(scratch_course):
    _course(scratch_course, ["The gradient is `dW = X.T @ dZ`."])
    assert leaks("x.ipynb", "w_backward") == [("X.T@dZ", "x cell 0 (markdown)")]


def test_an_earlier_notebook_that_shows_the_answer_renamed_is_caught(scratch_course):
    earlier = nbformat.v4.new_notebook()
    earlier.cells = [nbformat.v4.new_code_cell("a = np.tanh(z)\ndz = da * (1 - a ** 2)")]
    nbformat.write(earlier, scratch_course / "a.ipynb")
    _course(scratch_course, [])
    (found,) = leaks("x.ipynb", "w_backward")
    assert found[1] == "a cell 0 (code)" and "v0*(1-v1**2)" in found[0]


# The three leaks issue 19 found, planted back into a copy of the course: each is caught.
PLANTED = {
    "tanh_backward": (
        "03-chain-rule.ipynb",
        "dz = da / np.cosh(z) ** 2",
        "dz = da * (1 - a ** 2)",
        "04-backward-pass.ipynb",
    ),
    "softsign_backward": (
        "04-backward-pass.ipynb",
        "def arctan_backward(dA, Z):",
        "def softsign_backward(dA, Z):\n    return dA / (1 + np.abs(Z)) ** 2\n\n\n"
        "def arctan_backward(dA, Z):",
        "10-glorot-bengio-2010.ipynb",
    ),
    "matmul_backward": (
        "04b-reverse-mode-autodiff.ipynb",
        "dW_by_vjp = layers.linear_backward(dZ, X4, W1.value)[1]",
        "dW_by_vjp = X4.T @ dZ",
        "04b-reverse-mode-autodiff.ipynb",
    ),
}


@pytest.mark.parametrize("exercise_id", list(PLANTED))
def test_each_leak_the_issue_found_fails_when_planted_back(exercise_id, tmp_path, monkeypatch):
    where, now, before, exercise_notebook = PLANTED[exercise_id]
    for path in SOURCES.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        if path.name == where:
            (cell,) = [c for c in nb.cells if now in c.source]
            cell.source = cell.source.replace(now, before)
        nbformat.write(nb, tmp_path / path.name)
    assert not leaks(exercise_notebook, exercise_id)  # the course as it is
    monkeypatch.setattr(sys.modules[__name__], "SOURCES", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "LEARNER", tmp_path / "none")
    found = leaks(exercise_notebook, exercise_id)
    assert any(w.startswith(Path(where).stem) for _, w in found), found
