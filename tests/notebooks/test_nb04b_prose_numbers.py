"""Notebook 04b: the numbers its text quotes are the numbers it computes, within what each sentence
claims.

Every measured number in the markdown is written ``≈ VALUE<!--key-->`` (the comment is invisible in
Jupyter) and names an entry of the notebook's ``measured`` dict.  Counted quantities (bytes,
arithmetic, P) are the same on every machine and must agree to the digits the text shows.  Timings
are not: the text quotes the value measured when the notebook was built, and says which conclusion
holds anywhere ("more than 100 times faster").  So a timed number must be within a stated factor of the text's, and the conclusion must
hold for the value computed now.
"""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from bplearn.experiments import reverse_mode as rm

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "notebooks" / "solutions" / "04b-reverse-mode-autodiff.ipynb"

QUOTED = re.compile(r"≈\s*([-+]?\d[\d.]*(?:[eE][-+]?\d+)?)\s*<!--\s*(\w+)\s*-->")
ANY_APPROX = re.compile(r"≈\s*[-+]?\d")

# How far the value computed now may be from the value the text states, per key.
EXACT = "to the digits shown"
TOLERANCE = {
    "held_depth32_MB": EXACT,
    "params_depth4_MB": EXACT,
    "ckpt_work_ratio": EXACT,
    # tracemalloc's peaks: the arrays are the same everywhere, Python's own objects differ a little
    # between Python versions
    "peak_depth32_MB": ("factor", 1.05),
    "peak_batch512_MB": ("factor", 1.05),
    "kept_MB": ("factor", 1.05),
    "ckpt_MB": ("factor", 1.05),
    "ckpt_pct": ("absolute", 2),
    "arrays_per_layer": ("absolute", 0.3),
    # timings: "on the machine that built this notebook"
    "slope_forward_mode": ("absolute", 0.4),
    "slope_reverse": ("absolute", 0.3),
}

# What the text says holds on any machine is declared once, in the claims of
# bplearn.experiments.reverse_mode (the sweep, tools/claims.py, judges them over twelve seeds); here
# the same judges read this run's values, and one more sentence that is not seed-dependent.
ALSO = {
    "test_accuracy_engine": (
        lambda v: v >= 95,
        "the engine trains the digits network to at least 95%",
    ),
}


def markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def within(stated, computed, tolerance):
    """True when ``computed`` is what the text may state as ``stated`` under ``tolerance``."""
    # rounding ``computed`` to the digits ``stated`` shows gives ``stated``
    if tolerance == EXACT:
        mantissa = re.split("[eE]", stated)[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return abs(float(stated) - computed) <= 0.5 * 10.0**-decimals * (1 + 1e-9)
    kind, amount = tolerance
    if kind == "absolute":
        return abs(float(stated) - computed) <= amount
    return 1 / amount <= computed / float(stated) <= amount


def test_within_accepts_what_each_tolerance_allows_and_rejects_the_rest():
    assert within("1.58", 1.577992, EXACT) and not within("1.58", 1.5711, EXACT)
    assert within("1810", 1810.0, EXACT) and not within("1810", 1811.0, EXACT)
    assert within("2300", 800.0, ("factor", 4.0)) and not within("2300", 500.0, ("factor", 4.0))
    assert within("97.6", 96.4, ("absolute", 1.5)) and not within("97.6", 95.9, ("absolute", 1.5))


def test_every_approximate_number_in_the_text_names_what_it_quotes_and_has_a_tolerance():
    text = markdown(nbformat.read(SOURCE, as_version=4))
    quotes = QUOTED.findall(text)
    assert len(ANY_APPROX.findall(text)) == len(quotes), (
        "every '≈ number' must be followed by <!--key-->"
    )
    assert {key for _, key in quotes} == set(TOLERANCE)


def test_the_closing_numbers_of_the_issue_are_quoted():
    text = markdown(nbformat.read(SOURCE, as_version=4))
    keys = {key for _, key in QUOTED.findall(text)}
    assert {"held_depth32_MB", "peak_depth32_MB", "kept_MB", "ckpt_MB", "ckpt_pct"} <= keys
    # forward against reverse mode varies several-fold between machines and loads: the text
    # states what holds anywhere, which CLAIMS checks, not one machine's factor
    assert text.count("more than 100 times faster than forward mode") >= 1


def test_the_largest_P_the_text_states_is_the_largest_size_measured():
    """P is counted (75 H + 10), so the text states it exactly, without ≈."""
    text = markdown(nbformat.read(SOURCE, as_version=4))
    largest = 75 * max(rm.COST_H) + 10
    assert f"$P$ = {largest:,}" in text and "$P$ = ≈" not in text


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """The ``measured`` dict of notebook 04b, run top to bottom in a fresh kernel."""
    work = tmp_path_factory.mktemp("nb04b")
    shutil.copy(SOURCE, work / SOURCE.name)
    nb = nbformat.read(work / SOURCE.name, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import json\nprint(json.dumps({k: float(v) for k, v in measured.items()}))"
        )
    )
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return nb, json.loads(out.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_stated_numbers_match_what_the_notebook_computes(computed):
    nb, measured = computed
    quotes = QUOTED.findall(markdown(nb))
    unknown = sorted({key for _, key in quotes} - set(measured))
    assert not unknown, f"the text quotes keys the notebook does not compute: {unknown}"
    drifted = [
        f"text says ≈ {stated} for {key}, the notebook computes {measured[key]:.4g} ({TOLERANCE[key]})"
        for stated, key in quotes
        if not within(stated, measured[key], TOLERANCE[key])
    ]
    assert not drifted, "\n".join(drifted)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_what_the_text_says_holds_anywhere_holds_here(computed):
    _, measured = computed
    missing = sorted({claim.key for claim in rm.CLAIMS} - set(measured))
    assert not missing, f"the notebook does not compute what its claims judge: {missing}"
    broken = [
        f"{claim.wording}: computed {claim.key} = {measured[claim.key]:.4g}"
        for claim in rm.CLAIMS
        if not claim.judge.holds([measured[claim.key]])
    ]
    broken += [
        f"{claim}: computed {key} = {measured[key]:.4g}"
        for key, (holds, claim) in ALSO.items()
        if not holds(measured[key])
    ]
    assert not broken, "\n".join(broken)
