"""Print, seed by seed, the training outcomes that notebooks 07 and 08 state, to see their spread.

    for core in "" Prescott Sandybridge; do
      env ${core:+OPENBLAS_CORETYPE=$core} OPENBLAS_NUM_THREADS=1 .venv/bin/python
      tools/spread_07_08.py --seeds 5
    done

Each line: a configuration and, for every seed, "div" (the run overflowed) or the test accuracy and,
for ReLU networks, the fraction of dead units. A claim in the notebooks must hold on every line of
every kernel (notebooks/AUTHORING.md, "Claims that hold on every learner's machine").
"""

import argparse

import numpy as np

from bplearn import MLP, SGD, CrossEntropyLoss, Recorder, accuracy, fit, init
from bplearn.data import load_digits, train_test_split
from bplearn.plots.bench import dead_fraction, digits_bench


def bench_08(seeds):
    bench = digits_bench()
    configs = {
        "08 sigmoid + Xavier, SGD lr 0.01": ("sigmoid", "xavier", {}),
        "08 ReLU + He, SGD lr 0.01": ("relu", "he", {}),
        "08 ReLU + He, lr 0.1 (dead units)": ("relu", "he", {"lr": 0.1}),
        "08 ReLU + He, lr 0.1, clipped at 1": ("relu", "he", {"lr": 0.1, "max_norm": 1.0}),
        "08 tanh + normal(std=1)": ("tanh", init.normal(1.0), {}),
        "08 tanh + Xavier": ("tanh", "xavier", {}),
        "08 ReLU + Xavier, SGD": ("relu", "xavier", {}),
        "08 ReLU + Xavier, Adam lr 0.003": ("relu", "xavier", {"optimizer": "adam", "lr": 0.003}),
        "08 sigmoid + Xavier, Adam lr 0.003": (
            "sigmoid",
            "xavier",
            {"optimizer": "adam", "lr": 0.003},
        ),
        "08 sigmoid + normal(std=1), Adam lr 0.003": (
            "sigmoid",
            init.normal(1.0),
            {"optimizer": "adam", "lr": 0.003},
        ),
    }
    for label, (activation, init_, kwargs) in configs.items():
        cells = []
        for s in seeds:
            r = bench.run(activation, init_, seed=s, **kwargs)
            if r.diverged:
                cells.append("div")
            elif activation == "relu":
                cells.append(f"{r.acc:.3f}/{dead_fraction(r.net, bench.X_train).mean():.0%}")
            else:
                cells.append(f"{r.acc:.3f}")
        print(f"{label:44s} " + "  ".join(cells), flush=True)


def digits_07(seeds):
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    for label, activation, init_ in (
        ("07 sigmoid + Xavier, SGD lr 0.05", "sigmoid", "xavier"),
        ("07 tanh + Xavier, SGD lr 0.05", "tanh", "xavier"),
        ("07 tanh + normal(std=1), SGD lr 0.05", "tanh", init.normal(1.0)),
    ):
        cells = []
        for s in seeds:
            net = MLP([64] + [32] * 10 + [10], activation=activation, init=init_, seed=s)
            rec = Recorder(keep_last=False)
            fit(
                net,
                CrossEntropyLoss(),
                SGD(net.parameters(), lr=0.05),
                X_train,
                y_train,
                epochs=10,
                batch_size=64,
                seed=s,
                hooks=[rec],
                progress=False,
            )
            dW_1 = list(rec.series("grad_norm").values())[0]
            cells.append(f"{accuracy(net, X_test, y_test):.3f}/collapse {dW_1[-1] / dW_1[0]:.0e}")
        print(f"{label:44s} " + "  ".join(cells), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1 (default 5)")
    seeds = range(parser.parse_args().seeds)
    with np.errstate(all="ignore"):
        digits_07(seeds)
        bench_08(seeds)
