"""The numbers that notebook 07's text states are the numbers the notebook computes.

In the markdown of 07-vanishing-gradients every measured number is written as ``≈ VALUE<!--key-->``: the
HTML comment is invisible in Jupyter and names the entry of the notebook's ``measured`` dict that the
number quotes.  These tests execute the notebook, read ``measured``, and fail when the text drifts from
the computation (or quotes a number without saying where it comes from).
"""
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "notebooks" / "solutions" / "07-vanishing-gradients.ipynb"

QUOTED = re.compile(r"≈\s*([-+]?\d[\d.]*(?:[eE][-+]?\d+)?)\s*<!--\s*(\w+)\s*-->")
ANY_APPROX = re.compile(r"≈\s*[-+]?\d")

# What the lead measured independently (bplearn and PyTorch agree): 10 hidden layers of 32, 16 inputs,
# batch 128, MSE against random targets, zero biases, median over 5 seeds, ||dW_first|| / ||dW_last hidden||.
INDEPENDENT = {"ratio_sigmoid_xavier": 7.9e-7, "ratio_relu_he": 0.17, "ratio_tanh_xavier": 0.53,
               "ratio_tanh_normal": 88.6}


def markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def quoted_numbers(text):
    """[(stated text, key)] for every ``≈ VALUE<!--key-->`` in ``text``."""
    return QUOTED.findall(text)


def agrees(stated, computed):
    """True when ``computed``, rounded to the digits ``stated`` shows, gives ``stated`` (within 0.6 of its last digit)."""
    mantissa = re.split("[eE]", stated)[0].lstrip("+-")
    digits = mantissa.replace(".", "").lstrip("0") or "0"
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(re.split("[eE]", stated)[1]) if re.search("[eE]", stated) else 0
    unit = 10.0 ** (exponent - decimals)          # the value of one step in the last stated digit
    assert len(digits) >= 1
    return abs(float(stated) - computed) <= 0.6 * unit


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """(notebook source, measured) after running notebook 07 top to bottom in a fresh kernel."""
    work = tmp_path_factory.mktemp("nb07")
    shutil.copy(SOURCE, work / SOURCE.name)
    nb = nbformat.read(work / SOURCE.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json\nprint(json.dumps({k: float(v) for k, v in measured.items()}))"))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute()
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return nb, json.loads(out.strip().splitlines()[-1])


def test_agrees_accepts_rounding_and_rejects_drift():
    assert agrees("7.9e-07", 7.94e-7) and agrees("0.23", 0.2268) and agrees("89", 88.6)
    assert not agrees("7.9e-07", 8.1e-7)
    assert not agrees("0.23", 0.245)
    assert not agrees("89", 91.0)


def test_every_approximate_number_in_the_text_names_what_it_quotes():
    text = markdown(nbformat.read(SOURCE, as_version=4))
    unnamed = len(ANY_APPROX.findall(text)) - len(quoted_numbers(text))
    assert unnamed == 0, "every '≈ number' in notebook 07's text must be followed by <!--key--> (a key of measured)"


def test_the_text_quotes_the_vanishing_gradient_numbers():
    keys = {key for _, key in quoted_numbers(markdown(nbformat.read(SOURCE, as_version=4)))}
    assert set(INDEPENDENT) <= keys
    assert {"depth_factor", "dz_factor_sigmoid_xavier", "estimate_sigmoid_xavier"} <= keys


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_stated_numbers_match_what_the_notebook_computes(executed):
    nb, measured = executed
    quotes = quoted_numbers(markdown(nb))
    unknown = sorted({key for _, key in quotes} - set(measured))
    assert not unknown, f"the text quotes keys the notebook does not compute: {unknown}"
    drifted = [f"text says ≈ {stated} for {key}, the notebook computes {measured[key]:.4g}"
               for stated, key in quotes if not agrees(stated, measured[key])]
    assert not drifted, "\n".join(drifted)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_computed_ratios_agree_with_an_independent_measurement(executed):
    _, measured = executed
    for key, value in INDEPENDENT.items():
        assert measured[key] == pytest.approx(value, rel=0.03), key
