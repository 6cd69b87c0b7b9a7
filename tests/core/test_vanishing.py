"""Vanishing and exploding gradients are real in bplearn, with the numbers PyTorch computes for the
same nets.

10 hidden layers of width 32 on 16 inputs, one output, batch 128, MSE against random targets, zero
biases. The ratio ||dW|| of the first hidden layer / ||dW|| of the last hidden layer, median over 5
seeds:
    sigmoid + xavier   ~ 8e-7   the gradient vanishes on its way back (s'(z) <= 1/4 at every layer)
    relu + he          ~ 0.17   } kept in range by the normalised initialisations
    tanh + xavier      ~ 0.53   }
    tanh + normal(1)   ~ 89     weights too large: the gradient grows on its way back
"""

import numpy as np
import pytest

from bplearn import MLP, MSELoss

SIZES = [16] + [32] * 10 + [1]
SEEDS = range(5)
CASES = {  # (activation, init): (lowest allowed median, highest allowed median)
    ("sigmoid", "xavier"): (0.0, 1e-4),
    ("relu", "he"): (0.1, 10.0),
    ("tanh", "xavier"): (0.1, 10.0),
    ("tanh", "normal"): (10.0, np.inf),
}


def batch(seed):
    rng = np.random.default_rng(1000 + seed)
    X = rng.normal(size=(128, 16))
    Y = rng.normal(size=(128, 1))
    return X, Y


def hidden_weight_grads(activation, init, seed):
    """(net, [dW of each of the 10 hidden Linear layers]) after one forward and backward pass."""
    net = MLP(SIZES, activation=activation, init=init, seed=seed)
    X, Y = batch(seed)
    loss = MSELoss()
    loss.forward(net.forward(X), Y)
    net.backward(loss.backward())
    hidden = [net.layers[i] for i in net.linear_indices()][
        :-1
    ]  # the last Linear is the output layer
    assert len(hidden) == 10 and all(not layer.b.value.any() for layer in hidden)
    return net, [layer.W.grad for layer in hidden]


def first_to_last_ratio(grads):
    return np.linalg.norm(grads[0]) / np.linalg.norm(grads[-1])


@pytest.mark.parametrize("activation, init", CASES, ids=[f"{a}-{i}" for a, i in CASES])
def test_first_to_last_hidden_gradient_ratio_is_in_the_documented_range(activation, init):
    ratios = [first_to_last_ratio(hidden_weight_grads(activation, init, seed)[1]) for seed in SEEDS]
    low, high = CASES[activation, init]
    assert low < np.median(ratios) < high, (
        f"median {np.median(ratios):.3g} of {np.round(ratios, 8)}"
    )


def test_sigmoid_gradient_shrinks_layer_by_layer_going_backwards():
    _, grads = hidden_weight_grads("sigmoid", "xavier", seed=0)
    norms = [np.linalg.norm(g) for g in grads]
    assert all(earlier < later for earlier, later in zip(norms, norms[1:]))


def test_gradient_ratios_equal_pytorchs_for_the_same_weights():
    torch = pytest.importorskip("torch")
    for activation, init in CASES:
        for seed in SEEDS:
            net, grads = hidden_weight_grads(activation, init, seed)
            linears = [net.layers[i] for i in net.linear_indices()]
            modules = []
            for k, layer in enumerate(linears):
                lin = torch.nn.Linear(layer.n_in, layer.n_out, dtype=torch.float64)
                with torch.no_grad():
                    lin.weight.copy_(
                        torch.from_numpy(layer.W.value.T)
                    )  # torch stores W as (out, in)
                    lin.bias.copy_(torch.from_numpy(layer.b.value))
                modules.append(lin)
                if k < len(linears) - 1:
                    modules.append(
                        {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[
                            activation
                        ]()
                    )
            model = torch.nn.Sequential(*modules)
            X, Y = batch(seed)
            torch.nn.functional.mse_loss(model(torch.from_numpy(X)), torch.from_numpy(Y)).backward()
            torch_grads = [
                m.weight.grad.numpy().T for m in modules if isinstance(m, torch.nn.Linear)
            ][:-1]
            for ours, theirs in zip(
                grads, torch_grads
            ):  # equal up to float64 rounding in a different order
                assert np.linalg.norm(ours - theirs) <= 1e-10 * np.linalg.norm(theirs)
            assert first_to_last_ratio(grads) == pytest.approx(
                first_to_last_ratio(torch_grads), rel=1e-10
            )
