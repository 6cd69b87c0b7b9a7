"""step_through on a language model: token ids in, labels (N, T), and the attention layer's own
equations (issue 22)."""

import html
import re

import numpy as np

import bplearn as bp
from bplearn import widgets


def _text(st, stage, index):
    k = [i for i, e in enumerate(st.events) if e.stage == stage and e.index == index][0]
    st.go(k)
    return html.unescape(re.sub("<[^>]+>", "", st.equation.value)), st.arrays.value


def test_step_through_a_language_model_shows_the_attention_equations_and_the_embedding():
    rng = np.random.default_rng(0)
    net = bp.Sequential(
        bp.Embedding(6, 4, max_len=5, rng=rng),
        bp.Residual(bp.LayerNorm(4), bp.CausalSelfAttention(4, n_heads=2, rng=rng)),
        bp.Linear(4, 6, rng=rng),
    )
    ids, y = rng.integers(0, 6, (3, 5)), rng.integers(0, 6, (3, 5))
    st = widgets.step_through(net, ids, y, lr=0.1)
    assert isinstance(st.loss, bp.CrossEntropyLoss)
    forward, arrays = _text(st, "forward", 1)
    assert "F[1]: Q = X W_Q + b_Q,  K = X W_K,  V = X W_V + b_V" in forward
    assert "S = Q Kᵀ / √d,  S[t, s] = −∞ for s > t     P = softmax(S)     A = P V" in forward
    assert "1.W_Q" in arrays and "1.b_K" not in arrays
    backward, _ = _text(st, "backward", 1)
    assert "dS = P ∘ (dP − Σ_s dP ∘ P)     dQ = dS K / √d,  dK = dSᵀ Q / √d" in backward
    assert "dX = dQ W_Qᵀ + dK W_Kᵀ + dV W_Vᵀ" in backward
    forward, _ = _text(st, "forward", 0)
    assert forward == "X = E[ids] + E_pos[:T]"
    loss, _ = _text(st, "loss", None)
    assert "softmax(Z)[y]" in loss
    assert st.error.value == ""
