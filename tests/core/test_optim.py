"""Update rules against hand-computed values, the optimiser classes against the rules, clipping,
initialisers."""

import numpy as np
import pytest

import bplearn
from bplearn import init
from bplearn.layers import Parameter
from bplearn.optim import (
    SGD,
    Adam,
    adam_step,
    clip_by_global_norm,
    clip_grad_norm,
    global_norm,
    momentum_step,
    sgd_step,
)


def frozen(*values):
    """Read-only float arrays: an update rule that writes into its inputs raises instead of
    passing."""
    out = []
    for v in values:
        a = np.array(v, dtype=np.float64)
        a.flags.writeable = False
        out.append(a)
    return out


# ---------------------------------------------------------------- the pure rules, by hand


def test_sgd_step_moves_against_the_gradient_by_lr_times_gradient():
    w, dw = frozen([1.0, 2.0, -3.0], [0.5, -1.0, 0.0])
    np.testing.assert_allclose(sgd_step(w, dw, lr=0.1), [0.95, 2.1, -3.0], rtol=1e-15)


def test_momentum_steps_match_hand_computed_values():
    # PyTorch's convention: v <- beta v + dw,  w <- w - lr v.   lr = 0.1, beta = 0.9, w0 = 1, v0 =
    # 0.
    #   step 1: dw =  1   v = 1                 w = 1    - 0.1 * 1    = 0.9
    #   step 2: dw =  2   v = 0.9 * 1 + 2 = 2.9  w = 0.9  - 0.1 * 2.9  = 0.61
    #   step 3: dw = -1   v = 2.61 - 1 = 1.61    w = 0.61 - 0.1 * 1.61 = 0.449
    w, v = np.array([1.0]), np.array([0.0])
    expected = [(0.9, 1.0), (0.61, 2.9), (0.449, 1.61)]
    for dw, (w_exp, v_exp) in zip([1.0, 2.0, -1.0], expected):
        w, v = momentum_step(w, np.array([dw]), v, lr=0.1, beta=0.9)
        np.testing.assert_allclose(w, [w_exp], rtol=1e-14)
        np.testing.assert_allclose(v, [v_exp], rtol=1e-14)


def test_adam_steps_match_hand_computed_values_with_bias_correction():
    # lr = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, w0 = 1, gradients 2, -1, 0.5.
    #   m_t = 0.9 m + 0.1 g          v_t = 0.999 v + 0.001 g^2
    #   t=1: m = 0.2                 v = 0.004
    #   t=2: m = 0.18 - 0.1 = 0.08    v = 0.003996 + 0.001 = 0.004996
    #   t=3: m = 0.072 + 0.05 = 0.122 v = 0.004991004 + 0.00025 = 0.005241004
    # bias correction divides by 1 - 0.9^t = 0.1, 0.19, 0.271 and 1 - 0.999^t = 0.001, 0.001999,
    # 0.002997001.
    m_by_hand = [0.2, 0.08, 0.122]
    v_by_hand = [0.004, 0.004996, 0.005241004]
    m_hat = [0.2 / 0.1, 0.08 / 0.19, 0.122 / 0.271]
    v_hat = [0.004 / 0.001, 0.004996 / 0.001999, 0.005241004 / 0.002997001]
    w_by_hand = [1.0]
    for mh, vh in zip(m_hat, v_hat):
        w_by_hand.append(w_by_hand[-1] - 0.1 * mh / (np.sqrt(vh) + 1e-8))
    # w1 = 1 - 0.1 * 2 / (2 + 1e-8) = 0.9 (+5e-10); w2 = w1 - 0.02663...; w3 = w2 - 0.03404...
    assert w_by_hand[1] == pytest.approx(0.9, abs=1e-9)
    assert w_by_hand[2] == pytest.approx(0.87336, abs=1e-5)
    assert w_by_hand[3] == pytest.approx(0.83932, abs=1e-5)

    w, m, v = np.array([1.0]), np.array([0.0]), np.array([0.0])
    for t, g in enumerate([2.0, -1.0, 0.5], start=1):
        w, m, v = adam_step(w, np.array([g]), m, v, t, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
        np.testing.assert_allclose(m, [m_by_hand[t - 1]], rtol=1e-12)
        np.testing.assert_allclose(v, [v_by_hand[t - 1]], rtol=1e-12)
        np.testing.assert_allclose(w, [w_by_hand[t]], rtol=1e-12)


def test_adam_first_step_moves_each_weight_by_lr_times_the_sign_of_its_gradient():
    # With bias correction m_hat = g and v_hat = g^2 at t = 1, so the step is lr * g / |g|, whatever
    # |g| is.
    w = np.zeros(6)
    dw = np.array([1e-3, -1e-3, 1.0, -1.0, 1e3, -1e3])
    w_new, _, _ = adam_step(
        w, dw, np.zeros(6), np.zeros(6), 1, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8
    )
    np.testing.assert_allclose(w_new, -0.01 * np.sign(dw), rtol=1e-4)


@pytest.mark.parametrize(
    "call",
    [
        lambda w, dw, s: sgd_step(w, dw, 0.1),
        lambda w, dw, s: momentum_step(w, dw, s, 0.1, 0.9),
        lambda w, dw, s: adam_step(w, dw, s, s, 1, 0.1, 0.9, 0.999, 1e-8),
        lambda w, dw, s: clip_by_global_norm([w, dw], 0.5),
    ],
    ids=["sgd_step", "momentum_step", "adam_step", "clip_by_global_norm"],
)
def test_update_rules_are_pure_and_never_modify_their_inputs(call):
    w, dw, state = frozen(
        [1.0, -2.0], [0.3, 0.4], [0.1, 0.2]
    )  # writing into any of them would raise
    out = call(w, dw, state)
    np.testing.assert_array_equal(w, [1.0, -2.0])
    np.testing.assert_array_equal(dw, [0.3, 0.4])
    np.testing.assert_array_equal(state, [0.1, 0.2])
    results = out[0] if isinstance(out, tuple) and isinstance(out[0], list) else out
    for r in results if isinstance(results, (tuple, list)) else [results]:
        if isinstance(r, np.ndarray):
            assert not any(np.shares_memory(r, a) for a in (w, dw, state))


# ---------------------------------------------------------------- the optimiser classes


def parameters_with_grads(grads_per_step, shape=(2, 3), seed=0):
    """Two Parameters and a function that installs the gradients of step k in their .grad."""
    rng = np.random.default_rng(seed)
    params = [
        Parameter(rng.normal(size=shape), "0.W"),
        Parameter(rng.normal(size=shape[1:]), "0.b"),
    ]

    def set_grads(k):
        for p, g in zip(params, grads_per_step[k]):
            p.grad = g.copy()

    return params, set_grads


def random_grads(n_steps, shape=(2, 3), seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=shape), rng.normal(size=shape[1:])] for _ in range(n_steps)]


def test_sgd_class_without_momentum_matches_sgd_step():
    grads = random_grads(3)
    params, set_grads = parameters_with_grads(grads)
    expected = [p.value.copy() for p in params]
    opt = SGD(params, lr=0.05)
    for k in range(3):
        set_grads(k)
        opt.step()
        expected = [sgd_step(w, g, 0.05) for w, g in zip(expected, grads[k])]
    for p, w in zip(params, expected):
        np.testing.assert_array_equal(p.value, w)


def test_sgd_class_with_momentum_matches_repeated_momentum_step():
    grads = random_grads(4)
    params, set_grads = parameters_with_grads(grads)
    expected = [p.value.copy() for p in params]
    velocity = [np.zeros_like(w) for w in expected]
    opt = SGD(params, lr=0.05, momentum=0.9)
    for k in range(4):
        set_grads(k)
        opt.step()
        stepped = [
            momentum_step(w, g, v, 0.05, 0.9) for w, g, v in zip(expected, grads[k], velocity)
        ]
        expected, velocity = [s[0] for s in stepped], [s[1] for s in stepped]
    for p, w in zip(params, expected):
        np.testing.assert_array_equal(p.value, w)


def test_adam_class_matches_repeated_adam_step_with_t_counting_from_1():
    grads = random_grads(4)
    params, set_grads = parameters_with_grads(grads)
    expected = [p.value.copy() for p in params]
    m = [np.zeros_like(w) for w in expected]
    v = [np.zeros_like(w) for w in expected]
    opt = Adam(params, lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    for k in range(4):
        set_grads(k)
        opt.step()
        stepped = [
            adam_step(w, g, mi, vi, k + 1, 0.01, 0.8, 0.99, 1e-6)
            for w, g, mi, vi in zip(expected, grads[k], m, v)
        ]
        expected, m, v = ([s[i] for s in stepped] for i in range(3))
    for p, w in zip(params, expected):
        np.testing.assert_array_equal(p.value, w)


def test_optimizer_step_uses_grad_and_zero_grad_clears_it():
    params, set_grads = parameters_with_grads(random_grads(1))
    opt = SGD(params, lr=0.1)
    before = [p.value.copy() for p in params]
    opt.step()  # gradients are zero: nothing moves
    for p, w in zip(params, before):
        np.testing.assert_array_equal(p.value, w)
    set_grads(0)
    opt.zero_grad()
    assert all(not p.grad.any() and p.grad.shape == p.value.shape for p in params)


# ---------------------------------------------------------------- clipping


def two_params(g1, g2):
    p1, p2 = Parameter(np.zeros(2), "0.W"), Parameter(np.zeros(2), "0.b")
    p1.grad, p2.grad = np.array(g1, dtype=float), np.array(g2, dtype=float)
    return [p1, p2]


def test_global_norm_is_the_length_of_all_gradients_as_one_vector():
    assert global_norm([np.array([3.0, 0.0]), np.array([[0.0], [4.0]])]) == pytest.approx(5.0)


def test_clip_grad_norm_leaves_gradients_alone_when_not_over_max_norm():
    params = two_params([3.0, 0.0], [0.0, 4.0])  # global norm 5
    for max_norm in (10.0, 5.0):
        assert clip_grad_norm(params, max_norm) == pytest.approx(5.0)
        np.testing.assert_array_equal(params[0].grad, [3.0, 0.0])
        np.testing.assert_array_equal(params[1].grad, [0.0, 4.0])


def test_clip_grad_norm_scales_all_gradients_by_the_global_norm_and_returns_the_norm_before():
    params = two_params([3.0, 0.0], [0.0, 4.0])  # global norm 5; each alone is under 4.5
    assert clip_grad_norm(params, 4.5) == pytest.approx(5.0)
    np.testing.assert_allclose(
        params[0].grad, [2.7, 0.0], rtol=1e-14
    )  # both scaled by 4.5 / 5 = 0.9
    np.testing.assert_allclose(params[1].grad, [0.0, 3.6], rtol=1e-14)
    assert global_norm([p.grad for p in params]) == pytest.approx(4.5)


def test_clip_by_global_norm_returns_scaled_copies_and_the_norm_before():
    grads = [np.array([3.0, 0.0]), np.array([0.0, 4.0])]
    clipped, total = clip_by_global_norm(grads, 1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(clipped[0], [0.6, 0.0], rtol=1e-14)
    np.testing.assert_allclose(clipped[1], [0.0, 0.8], rtol=1e-14)
    np.testing.assert_array_equal(grads[0], [3.0, 0.0])  # inputs unchanged
    same, total = clip_by_global_norm(grads, 6.0)
    assert total == pytest.approx(5.0)
    for a, b in zip(same, grads):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- constructor checks


@pytest.mark.parametrize(
    "make", [lambda ps, lr: SGD(ps, lr), lambda ps, lr: Adam(ps, lr=lr)], ids=["SGD", "Adam"]
)
@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf")])
def test_optimizer_rejects_a_learning_rate_that_is_not_positive_and_finite(make, lr):
    with pytest.raises(ValueError, match="lr must be a positive number"):
        make([Parameter(np.zeros(2))], lr)


@pytest.mark.parametrize(
    "make", [lambda ps: SGD(ps, 0.1), lambda ps: Adam(ps)], ids=["SGD", "Adam"]
)
def test_optimizer_rejects_an_empty_parameter_list(make):
    with pytest.raises(ValueError, match="params is empty"):
        make([])


def test_optimizer_rejects_things_that_are_not_parameters():
    with pytest.raises(TypeError, match="must be Parameters"):
        SGD([np.zeros(3)], lr=0.1)


def test_optimizer_rejects_momentum_and_betas_outside_0_1():
    with pytest.raises(ValueError, match="momentum must be in"):
        SGD([Parameter(np.zeros(2))], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match=r"betas\[1\] must be in"):
        Adam([Parameter(np.zeros(2))], betas=(0.9, 1.5))


# ---------------------------------------------------------------- initialisers

N_IN, N_OUT = 400, 600  # 240,000 draws: sample variances land within about 1% of the truth


@pytest.mark.parametrize(
    "name, variance, uniform",
    [
        ("xavier_uniform", 2 / (N_IN + N_OUT), True),
        ("xavier_normal", 2 / (N_IN + N_OUT), False),
        ("he_uniform", 2 / N_IN, True),
        ("he_normal", 2 / N_IN, False),
        ("normal", 1.0, False),
    ],
)
def test_initializer_has_the_documented_variance_and_shape(name, variance, uniform):
    W = init.get(name)(N_IN, N_OUT, np.random.default_rng(0))
    assert W.shape == (N_IN, N_OUT)
    assert W.mean() == pytest.approx(0.0, abs=0.02 * np.sqrt(variance))
    assert W.var() == pytest.approx(variance, rel=0.02)
    bound = np.sqrt(3 * variance)  # U(-a, a) has variance a^2 / 3
    if uniform:
        assert np.abs(W).max() <= bound
    else:
        assert np.abs(W).max() > bound  # a normal draw this large exceeds the uniform's bound


def test_normal_factory_draws_with_the_given_std():
    W = init.normal(0.5)(N_IN, N_OUT, np.random.default_rng(0))
    assert W.std() == pytest.approx(0.5, rel=0.01)


def test_zeros_initializer_gives_zeros():
    assert not init.zeros(3, 4, np.random.default_rng(0)).any()


def test_short_init_names_are_the_documented_variants():
    assert init.get("xavier") is init.xavier_uniform
    assert init.get("he") is init.he_normal
    custom = lambda n_in, n_out, rng: np.ones((n_in, n_out))  # noqa: E731
    assert init.get(custom) is custom
    layer = bplearn.Linear(2, 3, init=custom)
    np.testing.assert_array_equal(layer.W.value, np.ones((2, 3)))


def test_unknown_init_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown init 'glorot'") as info:
        init.get("glorot")
    for name in (
        "zeros",
        "normal",
        "xavier",
        "xavier_uniform",
        "xavier_normal",
        "he",
        "he_normal",
        "he_uniform",
    ):
        assert repr(name) in str(info.value)


def test_same_seed_gives_the_same_weights_and_another_seed_different_ones():
    a, b, c = (bplearn.MLP([4, 8, 2], seed=s) for s in (3, 3, 4))
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters()):
        np.testing.assert_array_equal(pa.value, pb.value)
    assert not np.array_equal(a.parameters()[0].value, c.parameters()[0].value)
    assert all(
        not p.value.any() for p in a.parameters() if p.name.endswith("b")
    )  # biases start at 0
