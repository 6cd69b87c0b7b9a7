"""How fast is a bplearn training step?  Side by side with PyTorch (CPU) and with the bare matmul
floor.

    .venv/bin/python benchmarks/run.py              # the whole table (what `make bench` runs),
    about a minute
    .venv/bin/python benchmarks/run.py --quick      # fewer, shorter samples: a rough table in ~20 s
    .venv/bin/python benchmarks/run.py --help

For each MLP (ReLU hidden layers) in float32 and float64 it prints the median time of one training
step (forward, loss, backward, SGD update) of
  - bplearn: ``train_step(net, loss, SGD(...), X, y)``, the step ``fit`` takes (no hook attached:
  events are built
    only for hooks that listen);
  - the matmul floor: only the three products of each Linear layer, X @ W, X.T @ dZ and dZ @ W.T, on
  arrays
    of the same shapes; no framework can do a step with less arithmetic (PyTorch skips the first
    layer's dX, so it can go a little below this floor on the smallest nets);
  - PyTorch (only if ``import torch`` works; ``pip install -e ".[bench]"``): zero_grad, forward,
  loss,
    backward, ``torch.optim.SGD.step()``.
bplearn and the floor run with 1 and 2 OpenBLAS threads (each in its own subprocess with
OPENBLAS_NUM_THREADS set before numpy loads); PyTorch with ``torch.set_num_threads(1)`` and its
default.
Also: the time of ``import bplearn`` in a fresh interpreter (median of several).

Each time is the median over ``--repeats`` samples; a sample times a loop of enough steps to last
``--sample-ms``.  Results are also written as JSON to benchmarks/results/ (git-ignored).
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# notebook 11's character-level language model: V tokens, windows of T, width D, the MLP's hidden
LM = {"V": 27, "T": 16, "D": 32, "hidden": 128}
NETS = [  # (label, sizes, batch, loss); "lm": the language model LM, cross-entropy at every position
    ("2-16-16-1", [2, 16, 16, 1], 64, "mse"),
    ("64x6-10", [64] * 7 + [10], 32, "cross_entropy"),
    ("784-256-256-10", [784, 256, 256, 10], 128, "cross_entropy"),
    ("char LM 27-32-128 T=16", LM, 32, "lm"),
]
DTYPES = ["float32", "float64"]
THREADS = [1, 2]
LR = 1e-3  # small enough that many thousands of steps on random data stay finite


# ---------------------------------------------------------------- timing


def step_seconds(steps, repeats, sample_s):
    """{name: list of per-step times} for the functions in ``steps``, timed in turn, one sample each
    per round.

    A sample times a loop of n steps and divides by n, with n chosen so a sample lasts ~sample_s.
    Taking the contenders in turn means they all see the same background load on a shared machine.
    """
    loops = {}
    for name, step in steps.items():
        start, warm = time.perf_counter(), 0
        while warm < 3 or time.perf_counter() - start < min(
            0.05, 5 * sample_s
        ):  # warm up and estimate
            step()
            warm += 1
        loops[name] = max(1, int(sample_s * warm / (time.perf_counter() - start)))
    samples = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            n = loops[name]
            t0 = time.perf_counter()
            for _ in range(n):
                step()
            samples[name].append((time.perf_counter() - t0) / n)
    return samples


# ---------------------------------------------------------------- the three contenders


def problem(sizes, batch, loss_name, dtype, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    if loss_name == "lm":  # token ids and the next tokens, (batch, T) each
        shape = (batch, sizes["T"])
        return rng.integers(0, sizes["V"], shape), rng.integers(0, sizes["V"], shape)
    X = rng.normal(size=(batch, sizes[0])).astype(dtype)
    if loss_name == "mse":
        y = rng.normal(size=(batch, sizes[-1])).astype(dtype)
    else:
        y = rng.integers(0, sizes[-1], size=batch)
    return X, y


def bplearn_step(sizes, batch, loss_name, dtype):
    import numpy as np

    import bplearn

    X, y = problem(sizes, batch, loss_name, dtype)
    if loss_name == "lm":
        net = bplearn_language_model(**sizes, dtype=getattr(np, dtype))
    else:
        net = bplearn.MLP(sizes, activation="relu", init="he", seed=0, dtype=getattr(np, dtype))
    loss = bplearn.MSELoss() if loss_name == "mse" else bplearn.CrossEntropyLoss()
    opt = bplearn.SGD(net.parameters(), lr=LR)
    return lambda: bplearn.train_step(net, loss, opt, X, y)


def bplearn_language_model(V, T, D, hidden, dtype):
    """Embedding with positions, a pre-norm attention block, a pre-norm MLP block, LayerNorm, head."""
    import bplearn as bp

    rng = __import__("numpy").random.default_rng(0)
    return bp.Sequential(
        bp.Embedding(V, D, max_len=T, rng=rng, dtype=dtype),
        bp.Residual(bp.LayerNorm(D, dtype=dtype), bp.CausalSelfAttention(D, rng=rng, dtype=dtype)),
        bp.Residual(
            bp.LayerNorm(D, dtype=dtype),
            bp.Linear(D, hidden, init="he", rng=rng, dtype=dtype),
            bp.ReLU(),
            bp.Linear(hidden, D, rng=rng, dtype=dtype),
        ),
        bp.LayerNorm(D, dtype=dtype),
        bp.Linear(D, V, rng=rng, dtype=dtype),
    )


def floor_step(sizes, batch, loss_name, dtype):
    """The three matrix products of every Linear layer, nothing else (for the language model also
    attention's two products forward and four backward, per sequence)."""
    import numpy as np

    rng = np.random.default_rng(0)
    if loss_name == "lm":
        V, T, D, H = sizes["V"], sizes["T"], sizes["D"], sizes["hidden"]
        linear = [(D, D)] * 4 + [(D, H), (H, D), (D, V)]  # Q, K, V, O, the MLP, the head
        rows = batch * T
        seq = [rng.normal(size=(batch, T, D)).astype(dtype) for _ in range(4)]  # Q, K, V, dA
        P = rng.random((batch, T, T)).astype(dtype)
    else:
        linear, rows = list(zip(sizes[:-1], sizes[1:])), batch
    layers = [
        (
            rng.normal(size=(rows, n_in)).astype(dtype),
            rng.normal(size=(n_in, n_out)).astype(dtype),
            rng.normal(size=(rows, n_out)).astype(dtype),
        )
        for n_in, n_out in linear
    ]

    def step():
        for A_prev, W, dZ in layers:
            A_prev @ W
            A_prev.T @ dZ
            dZ @ W.T
        if loss_name == "lm":
            Q, K, V_, dA = seq
            Kt, Vt, Pt = K.transpose(0, 2, 1), V_.transpose(0, 2, 1), P.transpose(0, 2, 1)
            Q @ Kt, P @ V_  # S, A
            dA @ Vt, Pt @ dA, P @ K, Pt @ Q  # dP, dV, dQ (dS @ K), dK (dS^T @ Q)

    return step


def torch_language_model(V, T, D, hidden, dtype):
    """bplearn_language_model in PyTorch, layer for layer: one head, no key bias, the same maths."""
    import torch
    from torch import nn

    class LanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(V, D, dtype=dtype)
            self.pos = nn.Parameter(0.1 * torch.randn(T, D, dtype=dtype))
            self.ln1, self.ln2, self.lnf = (nn.LayerNorm(D, dtype=dtype) for _ in range(3))
            self.q, self.v, self.o = (nn.Linear(D, D, dtype=dtype) for _ in range(3))
            self.k = nn.Linear(D, D, bias=False, dtype=dtype)
            self.fc1, self.fc2 = (
                nn.Linear(D, hidden, dtype=dtype),
                nn.Linear(hidden, D, dtype=dtype),
            )
            self.head = nn.Linear(D, V, dtype=dtype)
            self.register_buffer("future", torch.triu(torch.ones(T, T, dtype=torch.bool), 1))

        def forward(self, ids):
            x = self.emb(ids) + self.pos[: ids.shape[1]]
            h = self.ln1(x)
            S = self.q(h) @ self.k(h).transpose(1, 2) / D**0.5
            x = x + self.o(torch.softmax(S.masked_fill(self.future, float("-inf")), -1) @ self.v(h))
            x = x + self.fc2(torch.relu(self.fc1(self.ln2(x))))
            return self.head(self.lnf(x)).reshape(-1, V)  # logits, a row per position

    return LanguageModel()


def torch_step(sizes, batch, loss_name, dtype):
    import torch

    X, y = problem(sizes, batch, loss_name, dtype)
    tdtype = getattr(torch, dtype)
    torch.manual_seed(0)
    if loss_name == "lm":
        model, loss = torch_language_model(**sizes, dtype=tdtype), torch.nn.CrossEntropyLoss()
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        X, y = torch.from_numpy(X), torch.from_numpy(y).reshape(-1)

        def step():
            opt.zero_grad()
            loss(model(X), y).backward()
            opt.step()

        return step
    modules = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        modules.append(torch.nn.Linear(n_in, n_out, dtype=tdtype))
        if i < len(sizes) - 2:
            modules.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*modules)
    loss = torch.nn.MSELoss() if loss_name == "mse" else torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    X, y = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss(model(X), y).backward()
        opt.step()

    return step


# ---------------------------------------------------------------- workers (one subprocess per
# thread setting)


def blas_threads_in_use():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return {info["internal_api"]: info["num_threads"] for info in threadpool_info()}


def selected(only):
    """The rows of NETS whose label contains ``only`` (all of them for None)."""
    return [net for net in NETS if only is None or only in net[0]]


def worker(kind, threads, repeats, sample_s, with_torch, only=None):
    """Time every (net, dtype); print JSON rows.

    kind "numpy": bplearn and the floor with the OpenBLAS threads that the parent set in the
    environment, and, with ``with_torch`` (one thread only), PyTorch with torch.set_num_threads(1),
    all taken in turn.
    kind "torch": PyTorch alone with its default number of threads.
    """
    rows, meta = [], {}

    def add(label, dtype, who, setting, samples):
        rows.append(
            {"net": label, "dtype": dtype, "who": who, "threads": setting, "samples": samples}
        )

    if kind == "numpy" or with_torch:
        import numpy as np

        sys.path.insert(0, str(REPO))
        meta.update(numpy=np.__version__)
    if with_torch or kind == "torch":
        import torch

        meta.update(torch=torch.__version__, torch_default_threads=torch.get_num_threads())
        torch.set_num_threads(threads if kind == "numpy" else torch.get_num_threads())
        torch_threads = torch.get_num_threads()
    meta["blas_threads"] = blas_threads_in_use()
    for label, sizes, batch, loss_name in selected(only):
        for dtype in DTYPES:
            contenders = {}
            if kind == "numpy":
                contenders["bplearn"] = bplearn_step(sizes, batch, loss_name, dtype)
                contenders["floor"] = floor_step(sizes, batch, loss_name, dtype)
            if with_torch or kind == "torch":
                contenders["torch"] = torch_step(sizes, batch, loss_name, dtype)
            for who, samples in step_seconds(contenders, repeats, sample_s).items():
                add(label, dtype, who, torch_threads if who == "torch" else threads, samples)
    print(json.dumps({"meta": meta, "rows": rows}))


def run_worker(kind, threads, args, with_torch=False):
    env = dict(os.environ)
    if kind == "numpy":
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
    cmd = (
        [
            sys.executable,
            __file__,
            "--worker",
            kind,
            "--threads",
            str(threads),
            "--repeats",
            str(args.repeats),
            "--sample-ms",
            str(args.sample_ms),
        ]
        + (["--with-torch"] if with_torch else [])
        + (["--only", args.only] if args.only else [])
    )
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"benchmark worker {kind} (threads={threads}) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def torch_available():
    probe = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True)
    return probe.returncode == 0


def torch_default_threads():
    probe = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.get_num_threads())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(probe.stdout)


def import_seconds(runs):
    """Medians over ``runs`` fresh interpreters of the time of ``import numpy`` and then of ``import
    bplearn``."""
    code = (
        "import time; t0 = time.perf_counter(); import numpy; t1 = time.perf_counter(); import bplearn; "
        "t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    numpy_s, bplearn_s = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        a, b = map(float, out.stdout.split())
        numpy_s.append(a)
        bplearn_s.append(b)
    return {
        "numpy": statistics.median(numpy_s),
        "bplearn_after_numpy": statistics.median(bplearn_s),
        "total": statistics.median(a + b for a, b in zip(numpy_s, bplearn_s)),
    }


# ---------------------------------------------------------------- the table


def us(seconds):
    return (
        "-"
        if seconds is None
        else f"{seconds * 1e6:,.0f}"
        if seconds >= 1e-4
        else f"{seconds * 1e6:.1f}"
    )


def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}"


def table(rows, threads, torch_threads, only=None):
    """The printed table and, per row, a summary of the best settings."""
    get = {(r["net"], r["dtype"], r["who"], r["threads"]): r["seconds"] for r in rows}
    cols = (
        [("bplearn", t) for t in threads]
        + [("floor", t) for t in threads]
        + [("torch", t) for t in torch_threads]
    )
    head = (
        ["network", "batch", "dtype", "loss"]
        + [f"{who} {t}T" for who, t in cols]
        + ["bplearn/torch", "bplearn/floor"]
    )
    lines, summary = [], []
    for label, _, batch, loss_name in selected(only):
        for dtype in DTYPES:
            bp_s, bp_t = min((get[label, dtype, "bplearn", t], t) for t in threads)
            floor_s, floor_t = min((get[label, dtype, "floor", t], t) for t in threads)
            torch_s, torch_t = (
                min((get[label, dtype, "torch", t], t) for t in torch_threads)
                if torch_threads
                else (None, None)
            )
            lines.append(
                [label, str(batch), dtype, "MSE" if loss_name == "mse" else "CE"]
                + [us(get[label, dtype, who, t]) for who, t in cols]
                + [ratio(bp_s, torch_s), ratio(bp_s, floor_s)]
            )
            summary.append(
                {
                    "net": label,
                    "dtype": dtype,
                    "bplearn_best_threads": bp_t,
                    "bplearn_us": bp_s * 1e6,
                    "floor_us": floor_s * 1e6,
                    "floor_best_threads": floor_t,
                    "torch_best_threads": torch_t,
                    "torch_us": None if torch_s is None else torch_s * 1e6,
                }
            )
    widths = [max(len(r[i]) for r in [head] + lines) for i in range(len(head))]

    def fmt(r):
        return "  ".join(
            c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))
        )

    return "\n".join(
        [fmt(head), "  ".join("-" * w for w in widths)] + [fmt(r) for r in lines]
    ), summary


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Median time of one training step (forward, loss, backward, SGD update) of bplearn, "
        "PyTorch CPU (if installed) and the bare matmul floor, for three MLPs and a character-level language model in float32 and float64; "
        "plus the time of `import bplearn`. Prints one table and writes JSON to benchmarks/results/."
    )
    parser.add_argument(
        "--repeats", type=int, default=7, help="samples per measurement and round (default 7)"
    )
    parser.add_argument(
        "--sample-ms",
        type=float,
        default=20.0,
        help="length of one sample in milliseconds: enough "
        "steps are looped to last this long (default 20)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of all workers, one after the other; each "
        "measurement's median is over all rounds' samples (default 3)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 round of 5 samples of 5 ms: a rough table in about 20 s",
    )
    parser.add_argument(
        "--no-torch", action="store_true", help="skip PyTorch even if it is installed"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=HERE / "results" / "run.json",
        help="where to write the results (default benchmarks/results/run.json)",
    )
    parser.add_argument(
        "--only", help="time only the rows whose network label contains this text, e.g. 'LM'"
    )
    parser.add_argument("--worker", choices=["numpy", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--with-torch", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.repeats, args.sample_ms = 1, 5, 5.0
    if args.worker:
        return worker(
            args.worker,
            args.threads,
            args.repeats,
            args.sample_ms / 1000,
            args.with_torch,
            args.only,
        )

    use_torch = not args.no_torch and torch_available()
    samples, meta = {}, {}
    default_torch_threads = torch_default_threads() if use_torch else None
    for rnd in range(
        1, args.rounds + 1
    ):  # rounds alternate the workers, so a burst of load hits all of them
        for threads in THREADS:
            # one thread: PyTorch is timed in the same process, in turn with bplearn, for the
            # fairest comparison
            together = use_torch and threads == 1
            print(
                f"round {rnd}/{args.rounds}: bplearn, the matmul floor"
                + (" and PyTorch" if together else "")
                + f" with {threads} thread(s) ...",
                file=sys.stderr,
            )
            result = run_worker("numpy", threads, args, with_torch=together)
            meta[f"{threads}_threads"] = result["meta"]
            for r in result["rows"]:
                samples.setdefault((r["net"], r["dtype"], r["who"], r["threads"]), []).extend(
                    r["samples"]
                )
        if use_torch and default_torch_threads != 1:
            print(
                f"round {rnd}/{args.rounds}: PyTorch with its default {default_torch_threads} threads ...",
                file=sys.stderr,
            )
            result = run_worker("torch", default_torch_threads, args)
            meta["torch"] = result["meta"]
            for r in result["rows"]:
                samples.setdefault((r["net"], r["dtype"], r["who"], r["threads"]), []).extend(
                    r["samples"]
                )
    rows = [
        {
            "net": k[0],
            "dtype": k[1],
            "who": k[2],
            "threads": k[3],
            "seconds": statistics.median(v),
            "min_seconds": min(v),
            "samples": len(v),
        }
        for k, v in samples.items()
    ]
    torch_threads = sorted({r["threads"] for r in rows if r["who"] == "torch"})
    print("timing import bplearn ...", file=sys.stderr)
    imports = import_seconds(runs=7)

    text, summary = table(rows, THREADS, torch_threads, args.only)
    versions = meta["1_threads"]
    torch_meta = meta.get("torch", versions)
    print(
        f"\nMedian time of one training step (forward, loss, backward, SGD update), microseconds.  "
        f"ReLU MLPs and notebook 11's language model, SGD lr={LR:g}."
    )
    print(
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {versions['numpy']}"
        + (
            f", torch {torch_meta['torch']} (default {torch_meta['torch_default_threads']} threads)"
            if "torch" in torch_meta
            else ", torch not installed or skipped"
        )
    )
    print(
        "nT = n BLAS threads (OpenBLAS for bplearn and the floor, torch.set_num_threads for PyTorch); "
        "floor = X@W, X.T@dZ, dZ@W.T of each layer only;\nbplearn/torch = best bplearn / best PyTorch, "
        "bplearn/floor = best bplearn / best floor (< 1: bplearn is faster).\n"
        "1T columns are timed in turn in one process; 2T ones in their own processes.\n"
    )
    print(text)
    wins = {t: sum(1 for s in summary if s["bplearn_best_threads"] == t) for t in THREADS}
    print(
        "\nbplearn's fastest BLAS thread count: "
        + ", ".join(f"{t} thread(s) on {n} of {len(summary)} rows" for t, n in wins.items())
    )
    if torch_threads:
        twins = {t: sum(1 for s in summary if s["torch_best_threads"] == t) for t in torch_threads}
        print(
            "PyTorch's fastest thread count: "
            + ", ".join(f"{t} on {n} of {len(summary)} rows" for t, n in twins.items())
        )
    print(
        f"import bplearn: {imports['total'] * 1e3:.0f} ms in a fresh interpreter, of which numpy "
        f"{imports['numpy'] * 1e3:.0f} ms and bplearn's own modules {imports['bplearn_after_numpy'] * 1e3:.0f} ms "
        f"(medians of 7)"
    )

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "when": datetime.datetime.now().isoformat(timespec="seconds"),
                "repeats": args.repeats,
                "sample_ms": args.sample_ms,
                "cpus": os.cpu_count(),
                "meta": meta,
                "rows": rows,
                "summary": summary,
                "import_seconds": imports,
            },
            indent=1,
        )
    )
    print(
        f"results written to {args.json.relative_to(REPO) if args.json.is_relative_to(REPO) else args.json}"
    )


if __name__ == "__main__":
    main()
