"""What the text of notebooks 08b (residual connections and normalisation) and 10 (Glorot & Bengio,
2010) claims is what their code measures.

Every measured number in their markdown is written ``≈ VALUE<!--key-->`` (invisible in Jupyter),
naming the entry of the notebook's ``measured`` dict it quotes; here each notebook runs once, top to
bottom, in a fresh kernel, and the text must quote what it computes. What the text says over many
seeds (ranges, counts, verdicts against the paper) is judged by the claims sweep, tools/claims.py
(tests/notebooks/test_claims_sweep.py checks that every quoted key has a claim there); it replaces
the bounds this file checked on the notebooks' three seeds.
"""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {
    name: ROOT / "notebooks" / "solutions" / f"{name}.ipynb"
    for name in ("08b-residual-and-normalisation", "10-glorot-bengio-2010")
}
QUOTED = re.compile(r"≈\s*([-+]?\d[\d.]*(?:[eE][-+]?\d+)?)\s*<!--\s*(\w+)\s*-->")
ANY_APPROX = re.compile(r"≈\s*[-+]?\d")


def markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def agrees(stated, computed):
    """True when ``computed`` rounded to the last digit ``stated`` shows gives ``stated``."""
    mantissa, _, exponent = stated.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    unit = 10.0 ** (int(exponent or 0) - decimals)
    return abs(float(stated) - computed) <= 0.5 * unit * (1 + 1e-9)


def test_agrees_accepts_rounding_and_rejects_drift():
    assert agrees("0.97", 0.9749) and agrees("1.7e+05", 1.74e5) and agrees("27", 26.7)
    assert not agrees("0.97", 0.976) and not agrees("1.7e+05", 1.76e5) and not agrees("27", 27.6)


@pytest.mark.parametrize("name", SOURCES)
def test_every_approximate_number_in_the_text_names_what_it_quotes(name):
    text = markdown(nbformat.read(SOURCES[name], as_version=4))
    assert QUOTED.findall(text), f"{name} quotes no measured number"
    assert len(ANY_APPROX.findall(text)) == len(QUOTED.findall(text)), (
        f"every '≈ number' in {name}'s text must be followed by <!--key--> (a key of measured)"
    )


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """{name: (notebook, measured)}, each notebook run once."""
    out = {}
    for name, source in SOURCES.items():
        work = tmp_path_factory.mktemp(name[:3])
        shutil.copy(source, work / source.name)
        nb = nbformat.read(work / source.name, as_version=4)
        nb.cells.append(
            nbformat.v4.new_code_cell(
                "import json\nprint(json.dumps({k: float(v) for k, v in measured.items()}))"
            )
        )
        NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}
        ).execute()
        text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
        out[name] = nb, json.loads(text.strip().splitlines()[-1])
    return out


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", SOURCES)
def test_stated_numbers_match_what_the_notebook_computes(name, executed):
    nb, measured = executed[name]
    quotes = QUOTED.findall(markdown(nb))
    unknown = sorted({key for _, key in quotes} - set(measured))
    assert not unknown, f"the text quotes keys the notebook does not compute: {unknown}"
    drifted = [
        f"text says ≈ {stated} for {key}, the notebook computes {measured[key]:.4g}"
        for stated, key in quotes
        if not agrees(stated, measured[key])
    ]
    assert not drifted, "\n".join(drifted)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_equal_initial_weights_stay_equal(executed):
    nb, m = executed["08b-residual-and-normalisation"]
    printed = "".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "distinct units" in c.source
    )
    rows = {
        name: re.search(name + r"\s+(\[[^\]]*\])\s+(\S+)", printed)
        for name in ("zeros", "constant 0.1", "Xavier")
    }
    assert rows["zeros"].group(1) == "[1, 1]" and float(rows["zeros"].group(2)) == 0.0
    assert rows["constant 0.1"].group(1) == "[1, 1]"
    assert rows["Xavier"].group(1) == "[32, 32]"
    assert m["symmetry_err_constant"] > 0.5 and m["symmetry_err_Xavier"] < 0.1
