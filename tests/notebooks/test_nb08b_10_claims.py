"""What the text of notebooks 08b (residual connections and normalisation) and 10 (Glorot & Bengio,
2010) claims is what their code measures.

Every measured number in their markdown is written ``≈ VALUE<!--key-->`` (invisible in Jupyter),
naming the entry of the notebook's ``measured`` dict it quotes; the other claims are bounds ("below
0.15 in 3 of 3 seeds"), each checked here against ``measured``. Each notebook runs once, top to
bottom, in a fresh kernel.
"""
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {name: ROOT / "notebooks" / "solutions" / f"{name}.ipynb"
           for name in ("08b-residual-and-normalisation", "10-glorot-bengio-2010")}
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
    assert len(ANY_APPROX.findall(text)) == len(QUOTED.findall(text)), \
        f"every '≈ number' in {name}'s text must be followed by <!--key--> (a key of measured)"


# 08b trains its LayerNorm networks on seed 0 only (they are slow); its text says the tests train
# seeds 1 and 2.
EXTRA = {"08b-residual-and-normalisation": """
for _kind, _key in (("plain+LN", "ln_plain_err_other"), ("residual+LN", "ln_residual_err_other")):
    _errs = [train(deep_net(_kind, _seed), _seed) for _seed in (1, 2)]
    measured[_key + "_min"], measured[_key + "_max"] = min(_errs), max(_errs)
"""}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """{name: (notebook, measured)}, each notebook run once."""
    out = {}
    for name, source in SOURCES.items():
        work = tmp_path_factory.mktemp(name[:3])
        shutil.copy(source, work / source.name)
        nb = nbformat.read(work / source.name, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(EXTRA.get(name, "") +
            "import json\nprint(json.dumps({k: float(v) for k, v in measured.items()}))"))
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
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
    drifted = [f"text says ≈ {stated} for {key}, the notebook computes {measured[key]:.4g}"
               for stated, key in quotes if not agrees(stated, measured[key])]
    assert not drifted, "\n".join(drifted)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_residual_blocks_train_the_network_that_plain_blocks_cannot(executed):
    _, m = executed["08b-residual-and-normalisation"]
    assert m["plain_err_min"] > 0.6                       # "above 0.6 in 3 of 3 seeds"
    assert m["residual_err_max"] < 0.15                   # "below 0.15 in 3 of 3 seeds"
    assert m["plain_alike_min"] > 0.9 > 0.5 > m["residual_alike_max"]
    assert m["residual_spread_max"] < 2 < m["plain_spread_max"]
    assert m["signal_growth_full"] > 1e3                  # overflows in training
    # within sqrt(e), the variance argument's bound
    assert m["signal_growth_scaled"] < 1.65


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_layer_norm_alone_does_not_rescue_the_plain_network_but_does_inside_residual_branches(executed):
    _, m = executed["08b-residual-and-normalisation"]
    # "above 0.85, at chance": seed 0 in the notebook, seeds 1 and 2 here
    assert min(m["ln_plain_err_min"], m["ln_plain_err_other_min"]) > 0.85
    assert m["ln_plain_alike_min"] > 0.9
    # "below 0.15": seed 0 in the notebook, seeds 1 and 2 here
    assert max(m["ln_residual_err_max"], m["ln_residual_err_other_max"]) < 0.15
    assert m["ln_residual_growth"] < 10


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_equal_initial_weights_stay_equal(executed):
    nb, m = executed["08b-residual-and-normalisation"]
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if "distinct units" in c.source)
    rows = {name: re.search(name + r"\s+(\[[^\]]*\])\s+(\S+)", printed) for name in ("zeros", "constant 0.1", "Xavier")}
    assert rows["zeros"].group(1) == "[1, 1]" and float(rows["zeros"].group(2)) == 0.0
    assert rows["constant 0.1"].group(1) == "[1, 1]"
    assert rows["Xavier"].group(1) == "[32, 32]"
    assert m["symmetry_err_constant"] > 0.5 and m["symmetry_err_Xavier"] < 0.1


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_glorot_bengio_findings_at_small_scale(executed):
    _, m = executed["10-glorot-bengio-2010"]
    # experiment 1: the sigmoid's top hidden layer heads for 0, the others stay at or above 0.5;
    # tanh's stays at 0
    assert m["sigmoid_top_end_max"] < 0.2 and m["sigmoid_top_epoch1_max"] < 0.35
    assert m["sigmoid_lower_end_min"] > 0.45
    assert m["tanh_top_mean_max"] < 0.05
    # tanh's layers end saturated; softsign's end "well short of its limits", in the knees (about
    # 0.6 to 0.8)
    assert m["tanh_p98_end_min"] > 0.98
    assert 0.55 < m["softsign_p98_end_min"] and m["softsign_p98_end_max"] < 0.85
    # experiment 2: the standard init shrinks activations going up and gradients going down; weight
    # gradients flat
    assert m["tanh_standard_act_ratio"] < 0.3 < m["tanh_normalised_act_ratio"]
    assert m["tanh_standard_grad_ratio"] < 0.3 < m["tanh_normalised_grad_ratio"]
    assert 0.8 < m["tanh_standard_dW_ratio"] < 1.25
    # the Jacobians' mean singular value: close to the paper's 0.5 (standard), below its 0.8
    # (normalised), in every
    # seed; the weight matrices alone somewhat below 1
    assert 0.43 < m["jacobian_standard_min"] and m["jacobian_standard_max"] < 0.55
    assert 0.6 < m["jacobian_normalised_min"] and m["jacobian_normalised_max"] < 0.78
    assert m["jacobian_normalised_max"] - m["jacobian_normalised_min"] < 0.05
    assert m["jacobian_normalised"] < m["weights_sv_normalised"] < 0.95
    # during training the weight gradients drift apart (lower layers larger), as much with either
    # initialisation
    assert m["drift_min"] > 1.5
    assert abs(m["drift_standard"] - m["drift_normalised"]) < 0.5
    # experiment 3: sigmoid at chance; the normalised init lowers the mean test error of tanh and
    # softsign
    assert m["sigmoid_err_min"] > 0.8
    assert m["tanh_gain"] > 0.005 and m["softsign_gain"] > 0.005
    assert m["softsign_gain"] > 0.8 * m["tanh_gain"]      # "about as much as it helps tanh or more"
