"""Project-level checks: set-up files agree with each other and keep their promises."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def requirement_name(spec: str) -> str:
    """'numpy>=1.24' -> 'numpy' (lower case, '_' and '.' read as '-')."""
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec).group(1)
    return re.sub(r"[._-]+", "-", name).lower()


def pyproject():
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11+")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def environment_yml():
    yaml = pytest.importorskip("yaml", reason="PyYAML is installed with jupyterlab")
    return yaml.safe_load((ROOT / "environment.yml").read_text())


# --- environment.yml (conda / Binder) ----------------------------------------------


def test_environment_yml_covers_the_runtime_dependencies():
    env = environment_yml()
    conda_names = {requirement_name(d) for d in env["dependencies"] if isinstance(d, str)}
    runtime = {requirement_name(d) for d in pyproject()["project"]["dependencies"]}
    missing = runtime - conda_names
    assert not missing, f"environment.yml lacks {sorted(missing)} from pyproject.toml"


def test_environment_yml_is_named_and_pins_python_and_pip():
    env = environment_yml()
    assert env["name"] == "bplearn"
    assert env["channels"] == ["conda-forge"]
    assert "python>=3.10" in env["dependencies"]
    assert "pip" in env["dependencies"]


def test_binder_installs_bplearn_in_postbuild_not_from_a_relative_pip_path():
    # repo2docker builds environment.yml before the repository is copied in,
    # so `-e .` in its pip section would fail; postBuild does it instead.
    env = environment_yml()
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert not any(item.strip().startswith(("-e", ".")) for sec in pip_sections for item in sec)
    post_build = ROOT / "postBuild"
    assert os.access(post_build, os.X_OK), "postBuild must be executable"
    assert "pip install" in post_build.read_text() and "-e ." in post_build.read_text()


# --- README, licence, CI -------------------------------------------------------------


def test_readme_shows_make_lab_and_make_test_on_its_first_screen():
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:40])
    assert "make lab" in first_screen
    assert "make test" in first_screen


def test_licence_is_mit():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert pyproject()["project"]["license"] == {"text": "MIT"}


def test_digits_data_has_a_stated_source_and_licence():
    text = (ROOT / "assets" / "README.md").read_text()
    assert "10.24432/C50P49" in text and "CC BY 4.0" in text
    assert (ROOT / "assets" / "digits.csv.gz").is_file()


def test_ci_script_is_strict_executable_and_runs_make_test():
    script = ROOT / ".ci" / "run"
    text = script.read_text()
    assert os.access(script, os.X_OK), ".ci/run must be executable"
    assert "set -euo pipefail" in text
    assert re.search(r"^\s*make test\s*$", text, re.M)
    assert "playwright install" not in text.replace("never `playwright install`", "")


def test_gitignore_keeps_workspace_and_venv_out_of_git():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "workspace/" in ignored and ".venv/" in ignored


# --- Makefile: the workspace is seeded, never overwritten, never cleaned --------------------

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make not installed")


def make(target, cwd):
    return subprocess.run(
        ["make", "-s", target],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def dry_run(target):
    """What `make TARGET` would run from scratch (-B: as if nothing were installed yet)."""
    dry = subprocess.run(
        ["make", "-n", "-B", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert dry.returncode == 0, dry.stderr
    return dry.stdout


@needs_make
def test_make_workspace_and_lab_use_the_bplearn_command_and_install_no_test_tools():
    for target in ("workspace", "lab"):
        commands = dry_run(target)
        assert re.search(rf"^\.venv/bin/bplearn {target} workspace\b", commands, re.M), commands
        assert re.search(r"pip install -e \.\s*$", commands, re.M), commands
        assert "[test]" not in commands


@needs_make
def test_make_test_installs_the_test_extra():
    assert 'pip install -e ".[test]"' in dry_run("test")


@needs_make
def test_make_clean_removes_the_venv_but_never_the_workspace(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path)
    for d in [
        ".venv/bin",
        ".pytest_cache",
        "pkg/__pycache__",
        "workspace/.ipynb_checkpoints",
        "workspace/__pycache__",
    ]:
        (tmp_path / d).mkdir(parents=True)
    (tmp_path / "workspace" / "mine.ipynb").write_text("my answers")
    result = make("clean", tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / ".venv").exists()
    assert not (tmp_path / ".pytest_cache").exists()
    assert not (tmp_path / "pkg" / "__pycache__").exists()
    assert (tmp_path / "workspace" / "mine.ipynb").read_text() == "my answers"
    assert (tmp_path / "workspace" / ".ipynb_checkpoints").is_dir()


def test_no_module_in_bplearn_is_over_400_lines():
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for p in (ROOT / "bplearn").rglob("*.py")
    }
    assert max(sizes.values()) <= 400, {name: n for name, n in sizes.items() if n > 400}
