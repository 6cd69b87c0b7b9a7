"""Browser tests: a real JupyterLab in headless Chromium.

They run wherever Chromium and playwright are present.  In CI (CI=true) a missing requirement
is a failure, not a skip, so these tests can never silently stop running there.
"""

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# noqa: E402
from jupyterlab_harness import ARTIFACTS, JupyterLab, LabPage, launch_chromium, missing_requirements

FIXTURES = Path(__file__).parent / "fixtures"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def browser_requirements():
    """Skip locally when Chromium or playwright is missing; in CI, fail with the reason."""
    reason = missing_requirements()
    if reason is not None:
        if in_ci():
            pytest.fail(f"CI is set but the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(f"browser test skipped locally: {reason}")


@pytest.fixture(scope="module")
def lab_server(browser_requirements):
    with JupyterLab([FIXTURES / "widgets_demo.ipynb"]) as server:
        yield server


@pytest.fixture(scope="module")
def browser(browser_requirements):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def widgets_notebook(lab_server, browser):
    """The fixture notebook open in JupyterLab, every cell run, its kernel idle."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    lab = LabPage(page, lab_server).open("widgets_demo.ipynb")
    lab.run_all()
    yield lab
    page.close()


@pytest.fixture(scope="session")
def latency_log():
    """Browser latencies measured by the tests, written to test-artifacts/browser-latency.json."""
    log = {}
    yield log
    if log:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "browser-latency.json").write_text(json.dumps(log, indent=2) + "\n")
