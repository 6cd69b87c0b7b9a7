"""How long does `bplearn progress` take on a learner's workspace?

    .venv/bin/python benchmarks/progress.py                       # the whole course, four runs
    .venv/bin/python benchmarks/progress.py --change 09-capstone  # which notebook the learner edits

On a fresh workspace (`bplearn workspace`, in a temporary folder, with a verdict cache of its own):

1. first check: every notebook runs (nothing kept yet);
2. untouched: the same command again, nothing changed (issue 20: at most 10 s);
3. one notebook changed: a learner's note added to --change, which runs again (at most 15 s);
4. --fresh: every notebook runs again; its verdicts must be those of run 3, line for line.

Each run is the real command in a subprocess: wall time, and the CPU seconds of it and its
kernels (from the operating system's accounting of finished children, so another engineer's load
slows the wall time but hardly changes the CPU seconds).  Exits 1 when run 2 or 3 is over budget or
run 4's verdicts differ from run 3's.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

BUDGET = {"untouched": 10.0, "one notebook changed": 15.0}


def timed(command, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return wall, cpu, result.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--change", default="09-capstone", help="the notebook the learner edits")
    parser.add_argument(
        "--skip-fresh", action="store_true", help="leave out run 4 (and its comparison)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bplearn-progress-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, BPLEARN_CACHE_DIR=str(tmp / "cache"))
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        bplearn = [sys.executable, "-m", "bplearn"]
        subprocess.run(
            [*bplearn, "workspace", str(tmp / "ws")], env=env, check=True, capture_output=True
        )
        count = len(list((tmp / "ws").glob("*.ipynb")))
        progress = [*bplearn, "progress", str(tmp / "ws")]

        rows = [("first check", *timed(progress, env))]
        rows.append(("untouched", *timed(progress, env)))
        changed = tmp / "ws" / f"{args.change.removesuffix('.ipynb')}.ipynb"
        nb = nbformat.read(changed, as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell("My note: check the shapes first."))
        nbformat.write(nb, changed)
        rows.append(("one notebook changed", *timed(progress, env)))
        if not args.skip_fresh:
            rows.append(("--fresh", *timed([*progress, "--fresh"], env)))

    print(f"bplearn progress on a fresh workspace of {count} notebooks (changed: {changed.name})")
    print(f"{'run':<22} {'wall s':>7} {'CPU s':>7}  budget")
    failed = []
    for name, wall, cpu, _ in rows:
        budget = BUDGET.get(name)
        verdict = (
            "" if budget is None else f"<= {budget:g} s " + ("ok" if wall <= budget else "OVER")
        )
        if budget is not None and wall > budget:
            failed.append(name)
        print(f"{name:<22} {wall:7.1f} {cpu:7.1f}  {verdict}")
    same = args.skip_fresh or rows[2][3] == rows[3][3]
    if not args.skip_fresh:
        print(
            f"verdicts of run 3 (kept) and run 4 (--fresh): {'identical' if same else 'DIFFERENT'}"
        )
    try:
        print(f"load average (1, 5, 15 min): {os.getloadavg()}, {os.cpu_count()} cores")
    except OSError:
        pass
    if not same:
        print(rows[2][3], rows[3][3], sep="\n--- --fresh:\n")
    return 1 if failed or not same else 0


if __name__ == "__main__":
    raise SystemExit(main())
