"""`make wheel` builds dist/ from a clean build folder: a notebook deleted between two builds in the
same tree is gone from the second wheel (issue 20: a stale build/ kept it). Runs on a copy of the
repository in a temporary folder, with this environment's Python."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = ["Makefile", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE"]
FOLDERS = ["bplearn", "assets", "notebooks"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def make_wheel(tree):
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        ["make", "-C", str(tree), "wheel", f"BIN={bin_dir}"],
        capture_output=True,
        text=True,
        timeout=500,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = (tree / "dist").glob("bplearn-*.whl")
    return {
        n.rsplit("/", 1)[-1] for n in zipfile.ZipFile(wheel).namelist() if "/_data/notebooks/" in n
    }


def test_a_notebook_deleted_between_two_builds_is_gone_from_the_wheel(tmp_path):
    tree = tmp_path / "bplearn"
    tree.mkdir()
    for name in FILES:
        shutil.copy2(ROOT / name, tree / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints", "_data")
    for name in FOLDERS:
        shutil.copytree(ROOT / name, tree / name, ignore=ignore)

    learner = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert make_wheel(tree) == learner
    assert (tree / "build").is_dir(), "expected the first build to leave build/ behind"

    gone = "10-glorot-bengio-2010.ipynb"
    (tree / "notebooks" / gone).unlink()
    assert make_wheel(tree) == learner - {gone}
