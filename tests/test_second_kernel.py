"""tools/second_kernel.py: `make test` reruns the notebook tests under a second OpenBLAS kernel, or
says why not."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("second_kernel", ROOT / "tools" / "second_kernel.py")
second_kernel = importlib.util.module_from_spec(spec)
spec.loader.exec_module(second_kernel)

on_x86_openblas = second_kernel.platform.machine().lower() in ("x86_64", "amd64") and bool(
    second_kernel._openblas_library()
)


def test_without_x86_64_it_skips_and_says_why(monkeypatch):
    monkeypatch.setattr(second_kernel.platform, "machine", lambda: "arm64")
    kernel, reason = second_kernel.choose()
    assert kernel is None and "arm64" in reason and "x86-64" in reason


def test_without_openblas_it_skips_and_says_why(monkeypatch):
    monkeypatch.setattr(second_kernel.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(second_kernel, "_openblas_library", lambda: None)
    kernel, reason = second_kernel.choose()
    assert kernel is None and "OpenBLAS" in reason


@pytest.mark.skipif(not on_x86_openblas, reason="needs numpy on OpenBLAS on x86-64")
def test_prescott_is_the_second_kernel_unless_the_machine_already_forces_it(monkeypatch):
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    monkeypatch.setattr(second_kernel, "current_kernel", lambda library: "Haswell")
    assert second_kernel.choose() == ("Prescott", None)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Prescott")
    monkeypatch.setattr(second_kernel, "_has_avx", lambda: True)
    assert second_kernel.choose() == ("Sandybridge", None)
    monkeypatch.setattr(second_kernel, "_has_avx", lambda: False)
    kernel, reason = second_kernel.choose()
    assert kernel is None and "Prescott" in reason


def test_the_command_runs_with_the_kernel_forced_and_other_settings_kept(monkeypatch, tmp_path):
    monkeypatch.setattr(second_kernel, "choose", lambda requested=None: ("Prescott", None))
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "1048576")
    out = tmp_path / "env.txt"
    code = (
        "import os, sys; open(sys.argv[1], 'w').write(' '.join(os.environ.get(k, '-') for k in "
        "('OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS', 'OPENBLAS_L2_SIZE')))"
    )
    assert second_kernel.main(["--", sys.executable, "-c", code, str(out)]) == 0
    assert out.read_text() == "Prescott 1 1048576"


def test_a_failing_command_fails_and_a_skip_runs_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(second_kernel, "choose", lambda requested=None: ("Prescott", None))
    assert second_kernel.main(["--", sys.executable, "-c", "raise SystemExit(3)"]) == 3
    monkeypatch.setattr(second_kernel, "choose", lambda requested=None: (None, "no OpenBLAS"))
    marker = tmp_path / "ran"
    assert second_kernel.main(["--", sys.executable, "-c", f"open({str(marker)!r}, 'w')"]) == 0
    assert not marker.exists() and "skipped: no OpenBLAS" in capsys.readouterr().out
