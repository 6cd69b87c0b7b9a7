"""The widgets run headless (nbclient, as nbval and CI do): no exceptions and a static first
picture."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

FIXTURE = Path(__file__).resolve().parents[1] / "browser" / "fixtures" / "widgets_demo.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_fixture_notebook_runs_headless_and_every_widget_has_a_first_picture():
    nb = nbformat.read(FIXTURE, as_version=4)
    # Store the widget state, as "save widget state" does, so the first pictures travel with the
    # notebook.
    client = NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True)
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    views = [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 4  # learning rate, depth, step-through, step-through of a Residual net
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    pictures = [
        b
        for m in state.values()
        if m["model_name"] == "ImageModel"
        for b in m.get("buffers", [])
        if b["path"] == ["value"] and len(b["data"]) > 1000
    ]
    assert len(pictures) >= 4  # one PNG per widget, rendered without a browser
