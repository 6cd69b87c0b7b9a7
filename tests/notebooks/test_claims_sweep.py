"""The claims sweep (tools/claims.py): its judges, its exit status, and that every claim it checks
is worded in its notebook as declared. The sweep itself runs in `make claims` and `make test`."""

import importlib
import importlib.util
import re
import sys
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bplearn.experiments import glorot_bengio
from bplearn.experiments.claim import Between, Claim, Count, Mean

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("claims_tool", ROOT / "tools" / "claims.py")
claims_tool = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(claims_tool)

NOTEBOOKS = sorted(claims_tool.NOTEBOOKS)
MODULES = {name: importlib.import_module(claims_tool.NOTEBOOKS[name]) for name in NOTEBOOKS}
SOURCES = {
    name: next((ROOT / "notebooks" / "solutions").glob(f"{name}-*.ipynb")) for name in NOTEBOOKS
}
QUOTED_KEY = re.compile(r"≈\s*[-+]?\d[\d.]*(?:[eE][-+]?\d+)?\s*<!--\s*(\w+)")


def words(text):
    return " ".join(text.split())


def markdown(name):
    nb = nbformat.read(SOURCES[name], as_version=4)
    return words("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))


def test_between_fails_when_one_seed_leaves_the_range():
    assert Between(0.3, 0.6).holds([0.31, 0.5, 0.6])
    assert not Between(0.3, 0.6).holds([0.31, 0.5, 0.61])
    assert not Between(high=1.0).holds([0.5, float("nan")])
    assert Between(0.3, 0.6).summary([0.5, 0.31]) == "0.31 to 0.5"


def test_count_asks_for_a_fraction_of_the_seeds():
    assert Count(0.75).holds([True] * 9 + [False] * 3)
    assert not Count(0.75).holds([True] * 8 + [False] * 4)
    assert not Count().holds([True] * 11 + [False])
    assert Count().summary([True, False, True]) == "2 of 3"


def test_mean_judges_the_average_not_each_seed():
    assert Mean(0.0, 0.1).holds([-0.2, 0.3])
    assert not Mean(0.0, 0.1).holds([0.2, 0.3])


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_of_the_sweep_has_measure_and_claims_about_itself(name):
    module = MODULES[name]
    assert callable(module.measure) and module.CLAIMS
    assert all(isinstance(c, Claim) and c.notebook == name for c in module.CLAIMS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_claim_is_worded_in_its_notebook_as_declared(name):
    text = markdown(name)
    missing = [c.wording for c in MODULES[name].CLAIMS if words(c.wording) not in text]
    assert not missing, f"{name}'s markdown does not contain these claims' wording: {missing}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_quoted_number_is_a_quantity_the_sweep_judges(name):
    """A number quoted as ≈ VALUE<!--key--> (one run of the notebook) has a claim over the seeds,
    on the key itself, on the per-seed quantity it summarises (key_min, key_max), or naming it in
    its ``quotes``."""
    judged = {c.key for c in MODULES[name].CLAIMS} | {
        q for c in MODULES[name].CLAIMS for q in c.quotes
    }
    quoted = set(QUOTED_KEY.findall(markdown(name)))
    unjudged = sorted(
        k for k in quoted if k not in judged and re.sub("_(min|max)$", "", k) not in judged
    )
    assert not unjudged, f"{name} quotes numbers the sweep does not judge over seeds: {unjudged}"


def test_seed_range_parses_a_range_and_rejects_nonsense():
    assert claims_tool.seed_range("12-23") == range(12, 24)
    assert claims_tool.seed_range("5") == range(5, 6)
    for bad in ("a-b", "9-3"):
        with pytest.raises(Exception, match="seeds"):
            claims_tool.seed_range(bad)


def test_the_sweep_exits_1_when_a_claim_fails_on_one_seed(monkeypatch, capsys):
    fake = types.ModuleType("fake_experiment")
    fake.measure = lambda seed: {"x": float(seed)}
    fake.CLAIMS = [
        Claim("fake", "x", "x stays below 2", Between(high=2.0)),
        Claim("fake", "x", "x is at least 0", Between(low=0.0)),
    ]
    monkeypatch.setitem(sys.modules, "fake_experiment", fake)
    monkeypatch.setattr(claims_tool, "NOTEBOOKS", {"fake": "fake_experiment"})
    assert claims_tool.main(["--seeds", "0-3", "--jobs", "1"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"x stays below 2.*0 to 3\s+NO", out)
    assert re.search(r"x is at least 0.*0 to 3\s+yes", out)
    assert claims_tool.main(["--seeds", "0-2", "--jobs", "1"]) == 0


def test_measure_records_every_key_its_claims_judge():
    """One seed of notebook 10's measurements (the cheaper module) has every key its claims use."""
    record = glorot_bengio.measure(3)
    assert {c.key for c in glorot_bengio.CLAIMS} <= set(record)
    assert all(np.isfinite(float(v)) for v in record.values())
