"""Verdicts of ``bplearn progress`` kept between runs, so that a notebook unchanged since it was
last checked is not run again.

A verdict is kept with the key of everything it depends on: the notebook's bytes, the files copied
next to it (names, sizes and modification times), bplearn's own code (every ``.py`` file of the
package: the exercises, their checks, the judge), the Python and numpy it ran with, and the time
and memory limits.  A verdict is reused only when the key it was kept with is the key now: change
any of these and the notebook runs again.  Only complete runs are kept (a timeout or a kernel that
died is run again next time).

One small JSON file per notebook path, in ``$BPLEARN_CACHE_DIR``, else ``$XDG_CACHE_HOME/bplearn``,
else ``~/.cache/bplearn``: never in the workspace.  A folder we cannot write to only means nothing
is kept.
"""

import functools
import hashlib
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .judge import ExerciseGrade

FORMAT = 1  # the layout of a kept verdict; a new layout never reads an old file
TRANSIENT = ("timeout", "kernel_died")  # diagnoses of a run that may finish another time


def cache_dir():
    """The folder the verdicts are kept in."""
    if os.environ.get("BPLEARN_CACHE_DIR"):
        return Path(os.environ["BPLEARN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bplearn" / "progress"


@functools.lru_cache(maxsize=None)
def code_fingerprint():
    """A hash of every ``.py`` file of the bplearn package that runs the checks."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def key(path, support_files, timeout, memory_limit):
    """The key of the verdict on the notebook at ``path``: a hex string."""
    digest = hashlib.sha256()
    parts = [
        f"format {FORMAT}",
        f"notebook {hashlib.sha256(Path(path).read_bytes()).hexdigest()}",
        f"bplearn {code_fingerprint()}",
        f"python {sys.version} {sys.executable} numpy {np.__version__}",
        f"limits {timeout!r} {memory_limit!r}",
    ]
    for rel, stat in support_files:
        parts.append(f"file {rel} {stat.st_size} {stat.st_mtime_ns}")
    digest.update("\n".join(parts).encode())
    return digest.hexdigest()


def _file_for(path):
    name = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:32]
    return cache_dir() / f"{name}.json"


def load(path, verdict_key):
    """(grades, notes) kept for the notebook at ``path`` under ``verdict_key``, or None."""
    try:
        kept = json.loads(_file_for(path).read_text())
        if kept.get("key") != verdict_key:
            return None
        return [ExerciseGrade(**g) for g in kept["grades"]], list(kept["notes"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def store(path, verdict_key, grades, notes):
    """Keep the verdict of a complete run (nothing is kept for a run that may end otherwise)."""
    if any(g.diagnosis in TRANSIENT for g in grades):
        return
    target = _file_for(path)
    text = json.dumps(
        {"key": verdict_key, "grades": [asdict(g) for g in grades], "notes": notes}, indent=1
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text)
        os.replace(partial, target)
    except OSError:
        pass
