"""bplearn as a real package: a wheel installed outside the repository has the digits and the
course.

The wheel is built from a copy of the files a release needs (pip's ordinary isolated build),
installed with
--no-deps into a fresh virtual environment in a temporary folder; the dependencies come from this
environment's site-packages through a .pth file (no download, no editable bplearn).  From a folder
outside the repository, that environment's `bplearn workspace` seeds a workspace (a second run keeps
a learner's edit and adds only what is missing), load_digits() works, and a digits notebook runs
from the workspace.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LEARNER = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
RELEASE_FILES = [
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "LICENSE",
    "bplearn",
    "assets",
    "notebooks",
]
DIGITS_NOTEBOOK = "06-training-loop.ipynb"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def run(cmd, **kwargs):
    result = subprocess.run(
        [str(c) for c in cmd],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )
    assert result.returncode == 0, (
        f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints")
    for name in RELEASE_FILES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(
            ROOT / name, src / name, **({"ignore": ignore} if (ROOT / name).is_dir() else {})
        )
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            tmp / "dist",
            src,
        ]
    )
    wheel = next((tmp / "dist").glob("bplearn-*.whl"))

    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel])
    site = Path(
        run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    (site / "_dependencies_from_the_test_env.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )

    home = tmp / "home"  # outside the repository; a kernel spec for the fresh venv only
    kernel = home / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (wheel)",
                "language": "python",
            }
        )
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "NBGRADER_EXECUTION", "VIRTUAL_ENV")
    }
    env.update(
        HOME=str(home),
        JUPYTER_PATH=str(home / "jupyter"),
        JUPYTER_DATA_DIR=str(home / "jupyter"),
        OPENBLAS_NUM_THREADS="1",
        PATH=f"{env_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return dict(wheel=wheel, python=python, bin=env_dir / "bin", home=home, env=env)


def test_the_wheel_carries_the_digits_the_names_and_every_learner_notebook(installed):
    import zipfile

    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    assets = {"digits.csv.gz", "names.txt.gz", "README.md"}
    assert {f"bplearn/_data/assets/{name}" for name in assets} <= names
    assert {n.rsplit("/", 1)[1] for n in names if n.startswith("bplearn/_data/notebooks/")} == set(
        LEARNER
    )
    assert not any("solutions" in n for n in names), (
        "the wheel must not carry the instructor solutions"
    )


def test_the_installed_package_loads_the_digits_and_the_names_from_its_own_files(installed):
    code = (
        "import bplearn, bplearn.data as d; X, y = d.load_digits(); "
        "print(bplearn.__file__); print(d.DIGITS_PATH); print(X.shape, y.shape); "
        "print(d.NAMES_PATH); print(sum(map(len, d.load_names())))"
    )
    out = run(
        [installed["python"], "-c", code], cwd=installed["home"], env=installed["env"]
    ).stdout.splitlines()
    prefix = str(installed["python"].parent.parent)
    assert out[0].startswith(prefix) and out[1].startswith(prefix), out
    assert out[2] == "(1797, 64) (1797,)"
    assert out[3].startswith(prefix) and out[4] == "5163", out


def test_workspace_seeds_every_notebook_and_a_second_run_keeps_the_learners_edit(installed):
    home, env, bplearn = installed["home"], installed["env"], installed["bin"] / "bplearn"
    first = run([bplearn, "workspace", "course"], cwd=home, env=env).stdout
    workspace = home / "course"
    assert sorted(p.name for p in workspace.glob("*.ipynb")) == LEARNER
    assert all(f"new notebook: {Path('course') / n}" in first for n in LEARNER), first

    mine = workspace / "01-forward-pass.ipynb"
    nb = nbformat.read(mine, as_version=4)
    nb.cells[0].source += "\n\nMy notes."
    nbformat.write(nb, mine)
    edited = mine.read_bytes()
    (workspace / "02-loss.ipynb").unlink()
    second = run([bplearn, "workspace", "course"], cwd=home, env=env).stdout
    assert mine.read_bytes() == edited
    assert "02-loss.ipynb" in second and "01-forward-pass.ipynb" not in second
    assert sorted(p.name for p in workspace.glob("*.ipynb")) == LEARNER


def test_a_digits_notebook_runs_from_the_workspace(installed):
    home, env = installed["home"], installed["env"]
    run([installed["bin"] / "bplearn", "workspace", "digits-run"], cwd=home, env=env)
    script = (
        "import sys, nbformat, bplearn\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "nb.cells.append(nbformat.v4.new_code_cell('import bplearn; print(bplearn.__file__)'))\n"
        "NotebookClient(nb, timeout=300, kernel_name='python3', allow_errors=True,\n"
        "               resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
        "nbformat.write(nb, sys.argv[1] + '.out')\n"
    )
    target = home / "digits-run" / DIGITS_NOTEBOOK
    run([installed["python"], "-c", script, target, target.parent], cwd=home, env=env)
    nb = nbformat.read(str(target) + ".out", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    errors = [f"{o.ename}: {o.evalue}" for c in code for o in c.outputs if o.output_type == "error"]
    assert all(e.startswith("NotImplementedError") for e in errors), errors
    digits = [c for c in code if "load_digits" in c.source]
    assert digits and all(not any(o.output_type == "error" for o in c.outputs) for c in digits)
    kernel_bplearn = "".join(o.get("text", "") for o in code[-1].outputs).strip()
    assert kernel_bplearn.startswith(str(installed["python"].parent.parent)), kernel_bplearn
