"""benchmarks/run.py times "the same model in PyTorch": with bplearn's weights copied into it, the
PyTorch language model gives the same logits, loss and gradients (float64)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import bplearn

torch = pytest.importorskip("torch")

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def load_run():
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmarks_pytorch_language_model_computes_what_bplearns_does():
    run = load_run()
    ours = run.bplearn_language_model(**run.LM, dtype=np.float64)
    theirs = run.torch_language_model(**run.LM, dtype=torch.float64)
    emb, attn_block, mlp_block, ln_f, head = ours.layers
    attention = attn_block.layers[1]
    q, k, v, o = attention.projections
    pairs = [
        (theirs.emb.weight, emb.E.value),
        (theirs.pos, emb.E_pos.value),
        (theirs.ln1.weight, attn_block.layers[0].gamma.value),
        (theirs.ln1.bias, attn_block.layers[0].beta.value),
        (theirs.ln2.weight, mlp_block.layers[0].gamma.value),
        (theirs.ln2.bias, mlp_block.layers[0].beta.value),
        (theirs.lnf.weight, ln_f.gamma.value),
        (theirs.lnf.bias, ln_f.beta.value),
    ]
    for module, linear in [
        (theirs.q, q),
        (theirs.v, v),
        (theirs.o, o),
        (theirs.fc1, mlp_block.layers[1]),
        (theirs.fc2, mlp_block.layers[3]),
        (theirs.head, head),
    ]:
        pairs += [(module.weight, linear.W.value.T), (module.bias, linear.b.value)]
    pairs.append((theirs.k.weight, k.W.value.T))
    with torch.no_grad():
        for param, value in pairs:
            param.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    ids, y = run.problem(run.LM, 4, "lm", "float64")
    loss = bplearn.CrossEntropyLoss()
    value = loss.forward(ours.forward(ids), y)
    ours.zero_grad()
    ours.backward(loss.backward())
    logits = theirs(torch.from_numpy(ids))
    torch_loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y).reshape(-1))
    torch_loss.backward()
    assert torch_loss.item() == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(theirs.emb.weight.grad.numpy(), emb.E.grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(theirs.q.weight.grad.numpy().T, q.W.grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(theirs.pos.grad.numpy(), emb.E_pos.grad, rtol=1e-9, atol=1e-12)
