"""The claims sweep: every seed-dependent claim the notebooks' text makes, judged over many seeds.

    python tools/claims.py                       # seeds 0-11, every notebook in NOTEBOOKS
    python tools/claims.py --seeds 12-23         # any other range
    python tools/claims.py --only 08b --jobs 1   # one notebook, one process

For each notebook module of ``bplearn.experiments`` listed in NOTEBOOKS it runs ``measure(seed)``
(the code the notebook itself calls) for every seed, in ``--jobs`` processes, then prints one row
per claim of the module's CLAIMS: notebook, key, wording, what was measured over the seeds (min to
max, or a count) and whether the claim holds. Exits 1 when any claim fails. ``--record FILE`` also
writes every seed's record as JSON (to see the spread before writing a sentence).
To add a notebook: write its module (see bplearn/experiments/__init__.py) and add it to NOTEBOOKS.
"""

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# notebook short name -> the module of bplearn.experiments that measures it (explicit, no registry)
NOTEBOOKS = {
    "04b": "bplearn.experiments.reverse_mode",
    "08": "bplearn.experiments.remedies",
    "08b": "bplearn.experiments.residual",
    "10": "bplearn.experiments.glorot_bengio",
    "11": "bplearn.experiments.language_model",
}


def seed_range(text):
    """'0-11' -> range(0, 12); '5' -> range(5, 6)."""
    low, _, high = text.partition("-")
    try:
        low, high = int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds must look like 0-11, got {text!r}") from None
    if high < low:
        raise argparse.ArgumentTypeError(f"--seeds: {high} is below {low}")
    return range(low, high + 1)


def measure(task):
    """(notebook, seed) -> (notebook, seed, record): one call of the module's measure(seed)."""
    notebook, seed = task
    record = import_module(NOTEBOOKS[notebook]).measure(seed)
    return (
        notebook,
        seed,
        {key: (bool(v) if isinstance(v, bool) else float(v)) for key, v in record.items()},
    )


def sweep(notebooks, seeds, jobs=2):
    """{notebook: [record of each seed, in seed order]}."""
    tasks = [(nb, seed) for nb in notebooks for seed in seeds]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(measure, tasks))
    else:
        results = [measure(task) for task in tasks]
    records = {nb: {} for nb in notebooks}
    for nb, seed, record in results:
        records[nb][seed] = record
    return {nb: [by_seed[s] for s in seeds] for nb, by_seed in records.items()}


def judge(notebooks, records):
    """[(claim, summary, holds)] for every claim of the given notebooks."""
    rows = []
    for nb in notebooks:
        for claim in import_module(NOTEBOOKS[nb]).CLAIMS:
            rows.append((claim, claim.summary(records[nb]), claim.holds(records[nb])))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_range, default=range(0, 12), help="A-B (default 0-11)")
    parser.add_argument("--only", choices=sorted(NOTEBOOKS), action="append", help="a notebook")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--record", type=Path, help="write every seed's record to this JSON file")
    args = parser.parse_args(argv)
    notebooks = args.only or list(NOTEBOOKS)
    start = time.perf_counter()
    records = sweep(notebooks, args.seeds, args.jobs)
    rows = judge(notebooks, records)
    seeds = f"seeds {args.seeds.start}-{args.seeds.stop - 1}"
    print(f"{'nb':5s}{'key':28s}{'claim':52s}{seeds:>24s}  holds")
    for claim, summary, holds in rows:
        print(
            f"{claim.notebook:5s}{claim.key:27s} {claim.wording[:50]:52s}{summary:>24s}  "
            f"{'yes' if holds else 'NO'}"
        )
    failed = sum(not holds for _, _, holds in rows)
    print(
        f"{len(rows) - failed} of {len(rows)} claims hold over {len(args.seeds)} seeds "
        f"({time.perf_counter() - start:.0f} s)"
    )
    if args.record:
        args.record.write_text(
            json.dumps({nb: dict(zip(args.seeds, r)) for nb, r in records.items()}, indent=1)
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
