"""`bplearn lab` ends its JupyterLab, kernels included, on Ctrl-C, SIGTERM and SIGHUP: nothing is left
listening and no process it started is left running (issue 20: `kill` left JupyterLab serving)."""

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

import psutil
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port):
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def api(url, method="GET"):
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def start_lab(tmp_path, port):
    """`bplearn lab` as a terminal would run it: in a process group of its own (Ctrl-C and a closed
    terminal signal the whole group). Returns the process once JupyterLab answers."""
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "run"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lw"),
    )
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bplearn",
            "lab",
            "ws",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    seen = []
    while time.monotonic() < deadline:
        line = lab.stdout.readline()
        seen.append(line)
        if not line or re.search(rf"http://127\.0\.0\.1:{port}/lab", line):
            break
    while time.monotonic() < deadline:  # the URL is logged just before it listens
        try:
            api(f"http://127.0.0.1:{port}/api/status")
            return lab
        except urllib.error.URLError:
            time.sleep(0.3)
    lab.kill()
    pytest.fail("bplearn lab did not serve:\n" + "".join(seen))


@pytest.mark.parametrize(
    "name, send",
    [
        ("Ctrl-C", lambda p: os.killpg(p.pid, signal.SIGINT)),
        ("SIGTERM", lambda p: os.kill(p.pid, signal.SIGTERM)),
        ("SIGHUP", lambda p: os.killpg(p.pid, signal.SIGHUP)),
    ],
)
def test_a_stop_signal_ends_jupyterlab_and_its_kernels(tmp_path, name, send):
    port = free_port()
    lab = start_lab(tmp_path, port)
    started = []
    try:
        api(f"http://127.0.0.1:{port}/api/kernels", method="POST")  # a learner's open notebook
        started = psutil.Process(lab.pid).children(recursive=True)
        assert len(started) >= 2, f"expected JupyterLab and a kernel under bplearn lab: {started}"
        send(lab)
        lab.wait(timeout=60)
        gone, alive = psutil.wait_procs(started, timeout=30)
        assert not alive, f"{name} left running: {[p.cmdline() for p in alive]}"
        assert not listening(port), f"{name} left port {port} listening"
    finally:
        for p in [lab, *started]:
            try:
                p.kill()
            except (ProcessLookupError, psutil.NoSuchProcess):
                pass
