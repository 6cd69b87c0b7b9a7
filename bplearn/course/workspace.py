"""The learner's workspace: a folder seeded with the course's learner notebooks, never overwritten.

    bplearn workspace [DIR]      copy into DIR (default: workspace) every learner notebook not there
    yet
    bplearn lab [DIR]            the same, then start JupyterLab in DIR

A notebook already in DIR is the learner's work and is never touched; a course notebook added later
simply appears next to it.  The notebooks come from the installed package (a wheel) or the
repository.
"""

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

from bplearn.data import COURSE_FILES

DEFAULT_DIR = "workspace"
#: Signals that stop ``bplearn lab`` (Ctrl-C, ``kill``, a closed terminal); each stops JupyterLab.
STOP_SIGNALS = [
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
]


class WorkspaceError(Exception):
    """A workspace folder that cannot be used; the message names it and says what to do."""


def _unusable(directory, exc):
    """A WorkspaceError for the OSError ``exc`` met while creating or writing into ``directory``."""
    where = Path(directory)
    other = "or choose another folder (for example ~/bplearn)"
    if where.exists() and not where.is_dir():
        return WorkspaceError(
            f"{where} is a file, not a folder. The workspace must be a folder (a new name creates "
            f"one): move the file away, {other}"
        )
    if isinstance(exc, NotADirectoryError) or exc.errno == errno.ENOTDIR:
        return WorkspaceError(
            f"cannot create the folder {where}: part of its path is a file, not a folder. "
            f"Give a path made of folders, {other}"
        )
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        action = "write into" if where.is_dir() else "create"
        return WorkspaceError(
            f"cannot {action} the folder {where}: {exc.strerror.lower()}. The "
            f"workspace must be a folder you can write to: make it writable (chmod u+w {where}), "
            f"{other}"
        )
    return WorkspaceError(f"cannot use the folder {where}: {exc.strerror or exc}. Fix it, {other}")


def learner_notebooks():
    """The learner notebooks (``notebooks/*.ipynb``, without the solutions), sorted by name."""
    return sorted((COURSE_FILES / "notebooks").glob("*.ipynb"))


def seed(directory=DEFAULT_DIR, notebooks=None):
    """Copy each learner notebook that DIR lacks into DIR (created if needed).  Returns the paths
    added."""
    directory = Path(directory)
    notebooks = learner_notebooks() if notebooks is None else [Path(p) for p in notebooks]
    if not notebooks:
        raise FileNotFoundError("no learner notebooks found in the installed bplearn: reinstall it")
    added = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for source in notebooks:
            dest = directory / source.name
            try:
                # "x": fails if the learner's file exists, even in a race
                with open(dest, "xb") as out:
                    out.write(source.read_bytes())
            except FileExistsError:
                continue
            added.append(dest)
    except OSError as exc:
        raise _unusable(directory, exc) from exc
    return added


def report(directory, added):
    """What ``seed`` did, in words."""
    lines = [f"  new notebook: {p}" for p in added]
    lines.append(
        f"Your workspace is {Path(directory).resolve()}/ : work there."
        f" {'Added ' + str(len(added)) if added else 'No new'} course"
        f" notebook{'s' if len(added) != 1 else ''}; files already there are never overwritten."
    )
    return "\n".join(lines)


def lab_command(directory, extra_args=()):
    """The command that starts JupyterLab in DIR (with --allow-root when running as root, as in
    containers)."""
    command = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={Path(directory)}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra_args:
        command.append("--allow-root")
    return command + list(extra_args)


def lab(directory=DEFAULT_DIR, extra_args=()):
    """Seed DIR, then run JupyterLab there until it exits; returns its exit status."""
    print(report(directory, seed(directory)), flush=True)
    return run_until_stopped(lab_command(directory, extra_args))


def run_until_stopped(command):
    """Run ``command`` and return its exit status.  Ctrl-C, SIGTERM or SIGHUP sent to us become a
    SIGTERM to it (a Jupyter server's clean shutdown: its kernels stop too), and we wait for it.

    The command runs in its own session, so a Ctrl-C in the terminal reaches only us: JupyterLab
    would otherwise ask "Shutdown this Jupyter server (y/[n])?" and keep running."""
    child = subprocess.Popen(command, start_new_session=True)

    def stop(signum, frame):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        return child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
