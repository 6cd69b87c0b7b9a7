"""How big a server does a class need?  Memory and CPU of learners' kernels, measured.

    .venv/bin/python benchmarks/classroom.py                        # every notebook; 1, 2, 4, 8 learners
    .venv/bin/python benchmarks/classroom.py --learners 1 2 4 8 --course 01-forward-pass 04-backward-pass
    .venv/bin/python benchmarks/classroom.py --json classroom.json

1. Per notebook: one learner's kernel runs the notebook top to bottom (the instructor version in
   notebooks/solutions/, every exercise done: a learner who finished it). A last cell reads the
   kernel's own accounting (getrusage): its peak resident memory and the CPU seconds it used. Both
   are properties of the work, not of the machine's load: a busy machine stretches the wall time,
   hardly the CPU seconds, and not the memory.
2. A JupyterLab server's own memory (every learner on a hub has one besides their kernel).
3. 1, 2, 4 and 8 learners at once, each running the course (--course, default every notebook) in
   their own kernels, in order: the wall time until all finish, the CPU seconds they used, and the
   peak of the memory of all their kernels together (sampled every 0.2 s).

Then a sizing for 10, 30 and 100 learners (printed; notebooks/INSTRUCTORS.md shows one):
    memory = learners x (JupyterLab server + 2 x the largest kernel peak) + 1 GiB for the system and
             the hub: JupyterLab keeps the kernel of each open notebook, so a learner often has two
    cores  = learners x (CPU seconds of the heaviest notebook) / 60 s, at least 2: the whole class
             pressing "Run all" on that notebook at once waits at most a minute.
"""

import argparse
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "notebooks" / "solutions"
MARK = "BPLEARN_CLASSROOM "
MEASURE = (
    "import json as _j, resource as _r\n"
    "_u = _r.getrusage(_r.RUSAGE_SELF)\n"
    f"print({MARK!r} + _j.dumps(dict(peak_mb=_u.ru_maxrss / 1024, cpu_s=_u.ru_utime + _u.ru_stime)))"
)


def run_notebook(path, workdir, attempts=2):
    """{peak_mb, cpu_s, wall_s} of one kernel running the notebook at ``path`` in ``workdir``.

    A cell gets 300 s; a run that fails (on a very busy machine a kernel once stopped answering)
    is tried once more in a new kernel, and says so on stderr."""
    import nbformat
    from nbclient import NotebookClient

    for attempt in range(1, attempts + 1):
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(MEASURE))
        start = time.perf_counter()
        try:
            NotebookClient(
                nb,
                timeout=300,
                startup_timeout=120,
                kernel_name="python3",
                resources={"metadata": {"path": str(workdir)}},
            ).execute()
        except Exception as exc:
            print(f"{path.name}: attempt {attempt} failed: {type(exc).__name__}", file=sys.stderr)
            if attempt == attempts:
                raise
            continue
        wall = time.perf_counter() - start
        text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
        return dict(json.loads(text.split(MARK, 1)[1]), wall_s=wall)


def learner(names):
    """One learner through ``names`` (stems), each in a fresh kernel; one JSON line per notebook."""
    with tempfile.TemporaryDirectory(prefix="bplearn-learner-") as tmp:
        work = Path(tmp) / "course"
        shutil.copytree(SOURCES, work)
        for name in names:
            print(
                json.dumps(dict(run_notebook(work / f"{name}.ipynb", work), name=name)), flush=True
            )


def at_once(count, names):
    """``count`` learners through ``names`` at once: wall time, CPU seconds, peak memory of all."""
    import psutil

    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--as-learner", *names],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    peak = 0.0
    while any(p.poll() is None for p in procs):
        total = 0
        for p in procs:
            try:
                for child in psutil.Process(p.pid).children(recursive=True):
                    total += child.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        peak = max(peak, total / 2**20)
        time.sleep(0.2)
    wall = time.perf_counter() - start
    rows = [json.loads(line) for p in procs for line in p.stdout.read().splitlines() if line]
    if any(p.returncode for p in procs) or len(rows) != count * len(names):
        sys.exit(f"a learner failed at {count} at once")
    return dict(
        learners=count,
        wall_s=wall,
        cpu_s=sum(r["cpu_s"] for r in rows),
        peak_all_mb=peak,
        largest_kernel_mb=max(r["peak_mb"] for r in rows),
    )


def server_memory():
    """Resident memory (MB) of an idle JupyterLab server, 10 s after it answers."""
    import urllib.request

    import psutil

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=tmp, JUPYTER_CONFIG_DIR=tmp)
        args = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}"]
        args += ["--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", f"--notebook-dir={tmp}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")
        server = subprocess.Popen(
            args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5)
                    break
                except OSError:
                    time.sleep(0.5)
            time.sleep(10)
            return psutil.Process(server.pid).memory_info().rss / 2**20
        finally:
            server.terminate()
            server.wait(timeout=60)


KERNELS_PER_LEARNER = 2


def sizing(per_notebook, server_mb):
    """The heaviest notebook (by CPU seconds), the largest kernel (MB) and, for 10, 30 and 100
    learners, {learners, memory_gb, cores} by the rules in this module's docstring."""
    heaviest = max(per_notebook, key=lambda r: r["cpu_s"])
    kernel_mb = max(r["peak_mb"] for r in per_notebook)
    rows = []
    for n in (10, 30, 100):
        memory_gb = (n * (server_mb + KERNELS_PER_LEARNER * kernel_mb) + 1024) / 1024
        cores = max(2, math.ceil(n * heaviest["cpu_s"] / 60))
        rows.append(dict(learners=n, memory_gb=memory_gb, cores=cores))
    return heaviest, kernel_mb, rows


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--as-learner":
        learner(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    all_names = sorted(p.stem for p in SOURCES.glob("*.ipynb"))
    parser.add_argument("--learners", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--course", nargs="+", default=all_names, help="notebooks for part 3")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as on the hub (hub/jupyterhub_config.py)

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()} at the start", flush=True)
    print(
        f"\n1. one learner's kernel per notebook\n{'notebook':<36} {'peak MB':>8} {'CPU s':>7} {'wall s':>7}"
    )
    with tempfile.TemporaryDirectory(prefix="bplearn-classroom-") as tmp:
        work = Path(tmp) / "course"
        shutil.copytree(SOURCES, work)
        per_notebook = []
        for name in all_names:
            r = dict(run_notebook(work / f"{name}.ipynb", work), name=name)
            per_notebook.append(r)
            print(
                f"{name:<36} {r['peak_mb']:8.0f} {r['cpu_s']:7.1f} {r['wall_s']:7.1f}", flush=True
            )
    total_cpu = sum(r["cpu_s"] for r in per_notebook)
    print(f"{'the whole course':<36} {'':>8} {total_cpu:7.1f}")

    server_mb = server_memory()
    print(f"\n2. an idle JupyterLab server: {server_mb:.0f} MB resident")

    print(
        f"\n3. learners at once, each through {len(args.course)} notebooks ({', '.join(args.course)})"
    )
    print(
        f"{'learners':>8} {'wall s':>8} {'CPU s':>8} {'peak MB, all kernels':>21} {'largest kernel MB':>18}"
    )
    together = []
    for count in args.learners:
        r = at_once(count, args.course)
        together.append(r)
        print(
            f"{count:8d} {r['wall_s']:8.1f} {r['cpu_s']:8.1f} {r['peak_all_mb']:21.0f}"
            f" {r['largest_kernel_mb']:18.0f}",
            flush=True,
        )

    heaviest, kernel_mb, rows = sizing(per_notebook, server_mb)
    print(
        f"\n4. sizing: the heaviest notebook {heaviest['name']} ({heaviest['cpu_s']:.1f} CPU s), "
        f"the largest kernel {kernel_mb:.0f} MB, a server {server_mb:.0f} MB"
    )
    for r in rows:
        print(
            f"{r['learners']:4d} learners: {r['cores']:3d} cores, {r['memory_gb']:5.1f} GB memory"
        )
    print(f"load average at the end: {os.getloadavg()}")
    if args.json:
        args.json.write_text(
            json.dumps(
                dict(
                    per_notebook=per_notebook, server_mb=server_mb, together=together, sizing=rows
                ),
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
