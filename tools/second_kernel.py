"""Run a command again under a second OpenBLAS kernel, to catch results that depend on the
processor.

    .venv/bin/python tools/second_kernel.py [--kernel Prescott] -- pytest ARGS...     (make test
    does this)

numpy's OpenBLAS picks its matrix-product kernel for the processor at start-up; another processor
rounds some products differently, and a notebook result that depends on those last bits fails on a
learner's machine. On x86-64 the environment variable OPENBLAS_CORETYPE forces another kernel, so
one machine can check a second one: Prescott (plain SSE, every x86-64) by default, or Sandybridge
(AVX) when the machine already runs Prescott. One thread (OPENBLAS_NUM_THREADS=1) keeps sums in one
order. Where this cannot work (not x86-64, numpy not on OpenBLAS, no second kernel available) it
prints why and exits 0 without running the command. OPENBLAS_L2_SIZE and other settings are passed
on as they are.
"""

import argparse
import ctypes
import glob
import os
import platform
import subprocess
import sys
from pathlib import Path

KERNELS = ("Prescott", "Sandybridge")  # Prescott runs on any x86-64; Sandybridge needs AVX


def _openblas_library():
    """Path of the OpenBLAS library numpy loaded, or None when numpy does not use OpenBLAS."""
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:  # an old numpy or an unusual build: cannot tell
        return None
    if "openblas" not in str(blas.get("name", "")).lower():
        return None
    libs = Path(np.__file__).parent.parent / "numpy.libs"
    found = sorted(glob.glob(str(libs / "*openblas*.so*")))
    return found[0] if found else ""


def current_kernel(library):
    """The kernel OpenBLAS chose in this process ('Haswell', 'Zen', ...), or '' when it cannot be
    asked."""
    if not library:
        return ""
    lib = ctypes.CDLL(library)
    for name in (
        "scipy_openblas_get_corename64_",
        "scipy_openblas_get_corename",
        "openblas_get_corename",
    ):
        if hasattr(lib, name):
            func = getattr(lib, name)
            func.restype = ctypes.c_char_p
            return func().decode()
    return ""


def _has_avx():
    try:
        return " avx " in f" {Path('/proc/cpuinfo').read_text()} ".replace("\n", " ")
    except OSError:
        return False


def choose(requested=None):
    """(kernel to force, None) or (None, reason why no second kernel can be checked here)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return (
            None,
            f"the processor is {platform.machine()}, not x86-64: OPENBLAS_CORETYPE cannot pick another kernel",
        )
    library = _openblas_library()
    if library is None:
        return (
            None,
            "numpy does not use OpenBLAS here (e.g. MKL or Accelerate): no kernel to switch",
        )
    running = os.environ.get("OPENBLAS_CORETYPE", "") or current_kernel(
        library
    )  # a forced one first
    candidates = [requested] if requested else [k for k in KERNELS if k.lower() != running.lower()]
    for kernel in candidates:
        if kernel == "Sandybridge" and not _has_avx():
            continue
        if kernel.lower() == running.lower():
            continue
        return kernel, None
    return (
        None,
        f"no second kernel to try: this machine already runs {running or 'the only one available'}",
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--kernel", choices=KERNELS, help="force this kernel (default: Prescott, or Sandybridge)"
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    kernel, reason = choose(args.kernel)
    if kernel is None:
        print(f"second-kernel check skipped: {reason}")
        return 0
    env = dict(os.environ, OPENBLAS_CORETYPE=kernel, OPENBLAS_NUM_THREADS="1")
    running = (
        os.environ.get("OPENBLAS_CORETYPE") or current_kernel(_openblas_library()) or "the default"
    )
    print(
        f"Running again with OPENBLAS_CORETYPE={kernel} OPENBLAS_NUM_THREADS=1 (the first run used {running}).",
        flush=True,
    )
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
