"""`bplearn workspace DIR` copies the learner notebooks DIR lacks and never overwrites; `bplearn lab
DIR` does the same and serves DIR with JupyterLab."""

import errno
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bplearn.cli import main
from bplearn.course.workspace import lab_command, learner_notebooks, seed

ROOT = Path(__file__).resolve().parents[2]


def test_the_course_notebooks_are_the_learner_versions():
    assert [p.name for p in learner_notebooks()] == sorted(
        p.name for p in (ROOT / "notebooks").glob("*.ipynb")
    )


def test_workspace_adds_what_is_missing_and_never_overwrites(tmp_path, capsys):
    course = tmp_path / "course"
    course.mkdir()
    (course / "01-a.ipynb").write_text("course v1")
    assert seed(tmp_path / "ws", [course / "01-a.ipynb"]) == [tmp_path / "ws" / "01-a.ipynb"]

    (tmp_path / "ws" / "01-a.ipynb").write_text("my answers")
    (course / "01-a.ipynb").write_text("course v2")
    (course / "02-b.ipynb").write_text("new lesson")
    added = seed(tmp_path / "ws", sorted(course.glob("*.ipynb")))
    assert added == [tmp_path / "ws" / "02-b.ipynb"]
    assert (tmp_path / "ws" / "01-a.ipynb").read_text() == "my answers"
    assert (tmp_path / "ws" / "02-b.ipynb").read_text() == "new lesson"


def test_the_command_says_what_it_added(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["workspace", "mine"]) == 0
    first = capsys.readouterr().out
    assert first.count("new notebook: mine/") == len(learner_notebooks())
    (tmp_path / "mine" / "00-start-here.ipynb").write_text("my work")
    assert main(["workspace", "mine"]) == 0
    second = capsys.readouterr().out
    assert (
        "new notebook" not in second
        and "No new course notebooks" in second
        and "never overwritten" in second
    )
    assert (tmp_path / "mine" / "00-start-here.ipynb").read_text() == "my work"


def test_a_workspace_that_is_a_file_is_refused_with_a_message(tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    for command in ("workspace", "lab"):
        assert main([command, str(tmp_path / "taken")]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"bplearn {command}: {tmp_path / 'taken'} is a file, not a folder")
        assert "Errno" not in err and "another folder" in err
    assert (tmp_path / "taken").read_text() == "not a folder"


def test_a_workspace_inside_a_file_is_refused_with_a_message(tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    assert main(["workspace", str(tmp_path / "taken" / "ws")]) == 1
    err = capsys.readouterr().err
    assert f"cannot create the folder {tmp_path / 'taken' / 'ws'}" in err
    assert "part of its path is a file" in err and "Errno" not in err


ROOT_IGNORES_PERMISSIONS = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root writes into read-only folders: permission bits cannot be tested as root (CI)",
)


@ROOT_IGNORES_PERMISSIONS
def test_a_read_only_workspace_is_refused_with_a_message(tmp_path, capsys):
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o555)
    try:
        assert main(["workspace", str(tmp_path / "ro")]) == 1
    finally:
        (tmp_path / "ro").chmod(0o755)
    err = capsys.readouterr().err
    assert f"cannot write into the folder {tmp_path / 'ro'}: permission denied" in err
    assert f"chmod u+w {tmp_path / 'ro'}" in err and "Traceback" not in err


@ROOT_IGNORES_PERMISSIONS
def test_a_workspace_in_a_folder_without_permission_is_refused_with_a_message(tmp_path, capsys):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked").chmod(0o000)
    try:
        assert main(["workspace", str(tmp_path / "locked" / "ws")]) == 1
        assert main(["progress", str(tmp_path / "locked")]) == 1
    finally:
        (tmp_path / "locked").chmod(0o755)
    err = capsys.readouterr().err
    assert (
        f"bplearn workspace: cannot create the folder {tmp_path / 'locked' / 'ws'}: permission"
        in err
    )
    assert (
        f"bplearn progress: cannot read the folder {tmp_path / 'locked'}: permission denied" in err
    )


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
def test_a_refused_write_is_explained_with_the_folder_and_what_to_do(
    tmp_path, capsys, monkeypatch, code
):
    # as root the operating system never refuses: make it refuse the way it does for other users
    import builtins

    real_open = builtins.open

    def refusing_open(path, mode="r", *args, **kwargs):
        if "x" in mode:
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    (tmp_path / "ws").mkdir()
    assert main(["workspace", str(tmp_path / "ws")]) == 1
    err = capsys.readouterr().err
    assert f"cannot write into the folder {tmp_path / 'ws'}: {os.strerror(code).lower()}." in err
    assert "another folder" in err and "Traceback" not in err


def test_progress_on_a_missing_folder_says_how_to_create_it_after_pip_install_too(tmp_path, capsys):
    assert main(["progress", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert (
        f"no folder {tmp_path / 'nowhere'}: `bplearn workspace {tmp_path / 'nowhere'}` creates"
        in err
    )
    assert "make" not in err
    (tmp_path / "afile").write_text("x")
    assert main(["progress", str(tmp_path / "afile")]) == 1
    assert f"{tmp_path / 'afile'} is a file" in capsys.readouterr().err


def test_lab_passes_unknown_options_to_jupyterlab(tmp_path):
    command = lab_command(tmp_path, ["--no-browser", "--port=8890"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--notebook-dir={tmp_path}" in command and command[-2:] == [
        "--no-browser",
        "--port=8890",
    ]


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_bplearn_lab_serves_the_seeded_workspace(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "run"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lw"),
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bplearn",
            "lab",
            "ws",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url, seen = None, []
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            seen.append(line)
            match = re.search(rf"(http://127\.0\.0\.1:{port})/lab", line)
            url = match and match.group(1)
        assert url, "".join(seen)
        assert any("new notebook: ws/00-start-here.ipynb" in line for line in seen)
        served = None
        while served is None and time.monotonic() < deadline:  # the URL is logged before it listens
            try:
                with urllib.request.urlopen(f"{url}/api/contents", timeout=30) as response:
                    served = {item["name"] for item in json.load(response)["content"]}
            except urllib.error.URLError:
                time.sleep(0.5)
        assert served == {p.name for p in learner_notebooks()}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
