"""Drive a real JupyterLab in headless Chromium (used by the browser tests and
benchmarks/widgets.py).

The server runs on 127.0.0.1 at a free port with a generated token, in temporary root, settings,
config, runtime and data directories, with a kernel that runs *this* Python (``sys.executable``).
The facts behind the flags and selectors are in ../shared/notes/jupyter-testing.md.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"  # git-ignored
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("BPLEARN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The notebook panel that is showing (JupyterLab keeps hidden panels in the DOM).
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def missing_requirements() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        return "jupyterlab is not installed"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server in temporary directories; use as a context manager.

    ``notebooks`` are copied into a fresh root directory, so the originals are never modified.
    """

    def __init__(self, notebooks, python: str = sys.executable, startup_timeout: float = 60.0):
        self.notebooks = [Path(p) for p in notebooks]
        self.python = python
        self.startup_timeout = startup_timeout
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.tmp = Path(tempfile.mkdtemp(prefix="bplearn-lab-"))
        self.root_dir = self.tmp / "root"
        self.log_path = self.tmp / "server.log"
        self.proc: subprocess.Popen | None = None

    # -- setup ---------------------------------------------------------------------------
    def _prepare(self) -> dict:
        self.root_dir.mkdir()
        for nb in self.notebooks:
            shutil.copy(nb, self.root_dir / nb.name)
        settings = self.tmp / "settings"
        notif = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        notif.parent.mkdir(parents=True)
        notif.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        # A kernel that runs this interpreter, whatever is first on PATH.
        kernel_dir = self.tmp / "data" / "kernels" / "python3"
        kernel_dir.mkdir(parents=True)
        (kernel_dir / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [self.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "Python 3 (bplearn tests)",
                    "language": "python",
                }
            )
        )
        for d in ("config", "runtime", "workspaces"):
            (self.tmp / d).mkdir()
        env = dict(os.environ)
        env.update(
            {
                "JUPYTERLAB_SETTINGS_DIR": str(settings),
                "JUPYTER_CONFIG_DIR": str(self.tmp / "config"),
                "JUPYTER_RUNTIME_DIR": str(self.tmp / "runtime"),
                "JUPYTER_DATA_DIR": str(self.tmp / "data"),
                "JUPYTER_PATH": str(self.tmp / "data"),
                "JUPYTER_PLATFORM_DIRS": "1",
                "MPLBACKEND": "Agg",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def start(self) -> "JupyterLab":
        env = self._prepare()
        cmd = [
            self.python,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={self.port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            "--LabApp.expose_app_in_browser=True",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--LabApp.workspaces_dir={self.tmp / 'workspaces'}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--MappingKernelManager.default_kernel_name=python3",
            "--ServerApp.port_retries=0",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}:\n{self.log()}")
            try:
                req = urllib.request.Request(
                    f"{self.base_url}/api/status", headers={"Authorization": f"token {self.token}"}
                )
                with urllib.request.urlopen(req, timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"JupyterLab did not start in {self.startup_timeout} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # SIGTERM to the server alone lets it shut its kernels down cleanly.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "JupyterLab":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def lab_url(self, notebook: str) -> str:
        return f"{self.base_url}/lab/tree/{notebook}?reset&token={self.token}"


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


# JavaScript run in the page; `window.jupyterapp` exists because of expose_app_in_browser.
_JS_KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""
_JS_ALL_EXECUTED = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.widgets.filter(c => c.model.type === 'code');
  return cells.length > 0 && cells.every(c => c.model.executionCount !== null);
}"""
_JS_EXEC = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code: code, silent: false, store_history: false});
  let out = '', err = '';
  future.onIOPub = (msg) => {
    const t = msg.header.msg_type;
    if (t === 'stream') { out += msg.content.text; }
    else if (t === 'error') { err += msg.content.ename + ': ' + msg.content.evalue; }
  };
  await future.done;
  return {stdout: out, error: err};
}"""
# Time from the next key press to an <img> under `selector` showing a new, loaded picture.
_JS_ARM_IMAGE_CHANGE = """(selector) => {
  const img = document.querySelector(selector);
  if (!img) { throw new Error('no element matches ' + selector); }
  const before = img.src;
  const state = {t0: null, t1: null, before: before};
  window.__bplearnLatency = state;
  document.addEventListener('keydown', () => { if (state.t0 === null) state.t0 = performance.now();
  },
                            {capture: true, once: true});
  const done = () => { if (state.t1 === null && img.src !== before) {
      const finish = () => { if (state.t1 === null) state.t1 = performance.now(); };
      if (img.complete) finish(); else img.addEventListener('load', finish, {once: true}); } };
  new MutationObserver(done).observe(img, {attributes: true, attributeFilter: ['src']});
  return before;
}"""


class LabPage:
    """A JupyterLab tab showing one notebook, with helpers that wait the way Galata does."""

    def __init__(self, page, server: JupyterLab):
        self.page = page
        self.server = server

    def open(self, notebook: str, timeout_ms: int = 60_000) -> "LabPage":
        self.page.goto(self.server.lab_url(notebook))
        self.page.wait_for_function("() => !!window.jupyterapp", timeout=timeout_ms)
        self.page.wait_for_selector(f"{PANEL} .jp-Notebook", timeout=timeout_ms)
        self.wait_kernel_idle(timeout_ms)
        return self

    def wait_kernel_idle(self, timeout_ms: int = 60_000) -> None:
        self.page.wait_for_function(_JS_KERNEL_IDLE, timeout=timeout_ms, polling=100)

    def run_all(self, timeout_ms: int = 90_000) -> None:
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.page.wait_for_function(_JS_ALL_EXECUTED, timeout=timeout_ms, polling=200)
        self.wait_kernel_idle(timeout_ms)

    def kernel_exec(self, code: str) -> str:
        """Run `code` in the notebook's kernel (not in a cell) and return what it printed."""
        result = self.page.evaluate(_JS_EXEC, code)
        if result["error"]:
            raise AssertionError(f"kernel raised {result['error']} running {code!r}")
        return result["stdout"]

    def locator(self, css: str):
        return self.page.locator(f"{PANEL} {css}")

    def img_src(self, css: str) -> str:
        return self.locator(css).first.get_attribute("src")

    def press_and_time_image(
        self, handle_css: str, img_css: str, key: str = "ArrowRight", timeout_ms: int = 20_000
    ) -> float:
        """Focus a slider handle, press `key`, return ms until the image under `img_css` changed."""
        self.page.evaluate(_JS_ARM_IMAGE_CHANGE, f"{PANEL} {img_css}")
        handle = self.locator(handle_css).first
        handle.focus()
        handle.press(key)
        self.page.wait_for_function(
            "() => window.__bplearnLatency && window.__bplearnLatency.t1 !== null",
            timeout=timeout_ms,
            polling="raf",
        )
        s = self.page.evaluate("() => window.__bplearnLatency")
        return s["t1"] - s["t0"]

    def screenshot(self, path: Path, css: str | None = None) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if css is None:
            self.page.screenshot(path=str(path), full_page=True)
        else:
            self.locator(css).first.screenshot(path=str(path))
        return path
