"""The learner's workspace: a folder seeded with the course's learner notebooks, never overwritten.

    bplearn workspace [DIR]      copy into DIR (default: workspace) every learner notebook not there
    yet
    bplearn lab [DIR]            the same, then start JupyterLab in DIR

A notebook already in DIR is the learner's work and is never touched; a course notebook added later
simply appears next to it.  The notebooks come from the installed package (a wheel) or the
repository.
"""

import os
import subprocess
import sys
from pathlib import Path

from bplearn.data import COURSE_FILES

DEFAULT_DIR = "workspace"


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
    directory.mkdir(parents=True, exist_ok=True)
    added = []
    for source in notebooks:
        dest = directory / source.name
        try:
            # "x": fails if the learner's file exists, even in a race
            with open(dest, "xb") as out:
                out.write(source.read_bytes())
        except FileExistsError:
            continue
        added.append(dest)
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
    return subprocess.call(lab_command(directory, extra_args))
