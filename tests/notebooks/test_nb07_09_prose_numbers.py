"""The numbers that notebooks 07 to 09 state in their text are the numbers the notebooks compute.

In their markdown every measured number is written as ``≈ VALUE<!--key-->``: the HTML comment is
invisible in Jupyter and names the entry of the notebook's ``measured`` dict that the number quotes.
These tests execute each notebook, read ``measured``, and fail when the text drifts from the
computation (or quotes a number without saying where it comes from).

By default the stated number must be the computed one rounded to the digits shown. A number that
comes from training (whose last digits differ between machines and BLAS libraries) states how far
the computation may be from it, and the sentence must be true anywhere in that range:
``≈ 0.89<!--relu_acc ±0.03-->`` (absolute) or ``≈ 1.7e-05<!--ratio ±30%-->`` (relative to 1.7e-05).
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {name: ROOT / "notebooks" / "solutions" / f"{name}.ipynb"
           # run by conftest's executed_nb07_09
           for name in ("07-vanishing-gradients", "08-remedies", "09-capstone")}

SOURCE = SOURCES["07-vanishing-gradients"]

QUOTED = re.compile(r"≈\s*([-+]?\d[\d.]*(?:[eE][-+]?\d+)?)\s*<!--\s*(\w+)\s*(±\s*\d[\d.]*%?)?\s*-->")
ANY_APPROX = re.compile(r"≈\s*[-+]?\d")

# What the lead measured independently (bplearn and PyTorch agree): 10 hidden layers of 32, 16
# inputs,
# batch 128, MSE against random targets, zero biases, median over 5 seeds, ||dW_first|| / ||dW_last
# hidden||.
INDEPENDENT = {"ratio_sigmoid_xavier": 7.9e-7, "ratio_relu_he": 0.17, "ratio_tanh_xavier": 0.53,
               "ratio_tanh_normal": 88.6}


def markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def quoted_numbers(text):
    """[(stated text, key, tolerance text or "")] for every ``≈ VALUE<!--key-->`` or ``≈
    VALUE<!--key ±TOL-->``."""
    return QUOTED.findall(text)


def agrees(stated, computed, tolerance=""):
    """True when ``computed`` is within ``tolerance`` of ``stated`` ("±0.03" absolute, "±30%"
    relative to ``stated``); without a tolerance, when ``computed`` rounded to the digits ``stated``
    shows gives ``stated``."""
    if tolerance:
        amount = tolerance.lstrip("±").strip()
        allowed = (abs(float(stated)) * float(amount[:-1]) / 100 if amount.endswith("%") else float(amount))
        return abs(float(stated) - computed) <= allowed * (1 + 1e-9)
    mantissa = re.split("[eE]", stated)[0].lstrip("+-")
    digits = mantissa.replace(".", "").lstrip("0") or "0"
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(re.split("[eE]", stated)[1]) if re.search("[eE]", stated) else 0
    unit = 10.0 ** (exponent - decimals)          # the value of one step in the last stated digit
    if "." not in mantissa and exponent == 0 and digits != "0":
        # "190" is 1.9e2: its trailing 0 is not a digit
        unit = 10.0 ** (len(digits) - len(digits.rstrip("0")))
    # what rounding to that digit allows
    return abs(float(stated) - computed) <= 0.5 * unit * (1 + 1e-9)


@pytest.fixture
def executed(executed_nb07_09):
    """Notebook 07, run once per session."""
    return executed_nb07_09("07-vanishing-gradients")


def test_agrees_accepts_rounding_and_rejects_drift():
    assert agrees("7.9e-07", 7.94e-7) and agrees("0.23", 0.2268) and agrees("89", 88.6)
    assert agrees("190", 193.2) and not agrees("190", 196)
    assert not agrees("7.9e-07", 8.1e-7)
    assert not agrees("0.23", 0.245)
    assert not agrees("89", 91.0)


def test_agrees_with_a_stated_tolerance_accepts_the_range_and_nothing_beyond():
    assert agrees("0.89", 0.915, "±0.03") and agrees("0.89", 0.865, "± 0.03")
    assert not agrees("0.89", 0.93, "±0.03") and not agrees("0.89", 0.85, "±0.03")
    assert agrees("1.7e-05", 2.2e-05, "±30%") and not agrees("1.7e-05", 2.3e-05, "±30%")


def test_a_tolerance_in_the_comment_is_read_with_its_key():
    assert quoted_numbers("is ≈ 0.89<!--relu_acc ±0.03--> and ≈ 5.7e-06<!--ratio-->") == [
        ("0.89", "relu_acc", "±0.03"), ("5.7e-06", "ratio", "")]


EXISTING = [name for name, path in SOURCES.items() if path.exists()]


@pytest.mark.parametrize("name", EXISTING)
def test_every_approximate_number_in_the_text_names_what_it_quotes(name):
    text = markdown(nbformat.read(SOURCES[name], as_version=4))
    unnamed = len(ANY_APPROX.findall(text)) - len(quoted_numbers(text))
    assert unnamed == 0, f"every '≈ number' in {name}'s text must be followed by <!--key--> (a key of measured)"


def test_the_text_quotes_the_vanishing_gradient_numbers():
    keys = {key for _, key, _ in quoted_numbers(markdown(nbformat.read(SOURCE, as_version=4)))}
    assert set(INDEPENDENT) <= keys
    assert {"depth_factor", "dz_factor_sigmoid_xavier", "estimate_sigmoid_xavier"} <= keys


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", EXISTING)
def test_stated_numbers_match_what_the_notebook_computes(name, executed_nb07_09):
    nb, measured = executed_nb07_09(name)
    assert quoted_numbers(markdown(nb)), f"{name} quotes no measured number; this test would check nothing"
    quotes = quoted_numbers(markdown(nb))
    unknown = sorted({key for _, key, _ in quotes} - set(measured))
    assert not unknown, f"the text quotes keys the notebook does not compute: {unknown}"
    drifted = [f"text says ≈ {stated} {tol} for {key}, the notebook computes {measured[key]:.4g}"
               for stated, key, tol in quotes if not agrees(stated, measured[key], tol)]
    assert not drifted, "\n".join(drifted)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_computed_ratios_agree_with_an_independent_measurement(executed):
    _, measured = executed
    for key, value in INDEPENDENT.items():
        assert measured[key] == pytest.approx(value, rel=0.03), key
