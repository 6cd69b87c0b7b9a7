"""Refresh the course notebooks after editing a source in notebooks/solutions/.

    .venv/bin/python tools/build_notebooks.py [NAME ...]      (or: make notebooks)

For each source notebook it
  1. executes it top to bottom in a fresh kernel (from notebooks/solutions/), failing on any error;
  2. keeps the outputs of cells tagged ``nbval-check-output`` (nbval compares those in CI) and
  clears
     every other output, so the repository stays small and diffs stay readable;
  3. writes the source back only if it changed, and prints how long it took to run;
then regenerates the learner notebooks in notebooks/ with ``bplearn release``.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks" / "solutions"
CHECKED = "nbval-check-output"


def build(path, timeout):
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # nbclient's timestamps: noise in every diff
        if cell.cell_type == "code" and CHECKED not in cell.metadata.get("tags", []):
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)  # widget state is not replayable offline; don't store it
    text = nbformat.writes(nb) + "\n"
    changed = text != path.read_text()
    if changed:
        path.write_text(text)
    print(f"{path.name}: ran in {seconds:.1f} s{', updated' if changed else ''}")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="source notebooks to refresh (default: all)")
    parser.add_argument(
        "--timeout", type=int, default=300, help="seconds allowed per cell (default 300)"
    )
    parser.add_argument(
        "--no-release", action="store_true", help="do not regenerate the learner notebooks"
    )
    args = parser.parse_args(argv)
    paths = [SOURCES / (n if n.endswith(".ipynb") else n + ".ipynb") for n in args.names] or sorted(
        SOURCES.glob("*.ipynb")
    )
    total = sum(build(p, args.timeout) for p in paths)
    print(f"{len(paths)} notebooks, {total:.1f} s in all")
    if not args.no_release:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bplearn",
                "release",
                str(SOURCES),
                str(ROOT / "notebooks"),
                "--force",
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
