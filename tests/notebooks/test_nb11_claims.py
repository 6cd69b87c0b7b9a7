"""What the text of notebook 11 (from digits to a language model) claims is what its code measures.

The notebook runs once, top to bottom, in a fresh kernel; each sentence that states a result is
checked against its ``measured`` dict. The seed-dependent claim (the model beats the counted
bigrams) is judged over seeds 0-11 by ``tools/claims.py --only 11``; here its wording is checked
against the text, and seed 0 is run as the notebook runs it.
"""

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from bplearn.experiments import language_model as lm

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "notebooks" / "solutions" / "11-attention-language-model.ipynb"


def markdown():
    nb = nbformat.read(SOURCE, as_version=4)
    return " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    work = tmp_path_factory.mktemp("nb11")
    shutil.copy(SOURCE, work / SOURCE.name)
    nb = nbformat.read(work / SOURCE.name, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import json\nprint(json.dumps({k: float(v) for k, v in measured.items()}))"
        )
    )
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


def test_every_claim_of_the_sweep_is_worded_as_the_text_says():
    text = markdown()
    for claim in lm.CLAIMS:
        assert claim.wording in text, claim.wording


def test_the_claims_hold_on_seed_0_as_the_sweep_judges_them():
    record = lm.measure(0)
    for claim in lm.CLAIMS:
        assert claim.holds([record]), (claim.key, record[claim.key])


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_trained_model_beats_the_counted_bigrams_in_the_notebook(measured):
    assert measured["model_val"] < measured["bigram_val"] - 0.1


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_gradient_of_the_whole_model_equals_finite_differences(measured):
    assert measured["gradcheck_worst"] < 1e-7


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_average_of_the_workers_gradients_is_the_full_batchs_to_rounding(measured):
    assert measured["dp_difference"] < 1e-12


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_attention_keeps_one_t_by_t_matrix_per_sequence_and_checkpointing_removes_it(measured):
    # "the fit's T^2 term is one float64 (T, T) matrix per sequence and block"
    assert 0.9 < measured["t2_matrices_per_block"] < 1.1
    # "at T = 256 it is more than half of what the stack holds"
    assert measured["t2_share_T256"] > 0.5
    # checkpointing keeps only the blocks' inputs, and lowers the peak
    assert measured["kept_ratio_T256"] < 0.1
    assert measured["peak_ratio_T256"] < 0.8


def test_the_flop_count_is_six_per_weight_plus_attentions_twelve_t_d():
    # every product with a weight matrix costs 6 FLOPs per weight per token (2 forward, 4
    # backward), attention's two weightless products 12 T D; the tables (layer 0) are lookups
    net = lm.language_model(27)
    weights = sum(
        p.value.size
        for name, p in net.named_parameters()
        if p.value.ndim == 2 and not name.startswith("0.")
    )
    counted = 6 * weights + 12 * lm.T * lm.D
    nb = nbformat.read(SOURCE, as_version=4)
    flops = next(c for c in nb.cells if c.get("id") == "flops")
    assert f"counted: {counted:,} FLOPs per token" in flops.outputs[0]["text"]


def test_the_notebook_states_no_timing_in_a_checked_output():
    nb = nbformat.read(SOURCE, as_version=4)
    for cell in nb.cells:
        if "nbval-check-output" in cell.metadata.get("tags", []):
            assert "time.perf_counter" not in cell.source and "tracemalloc" not in cell.source
