"""`bplearn workspace DIR` copies the learner notebooks DIR lacks and never overwrites; `bplearn lab
DIR` does the same and serves DIR with JupyterLab."""

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
    assert main(["workspace", str(tmp_path / "taken")]) == 1
    assert "bplearn workspace:" in capsys.readouterr().err


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
