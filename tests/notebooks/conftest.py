"""Notebooks 07-09 run once per test session, for every test that reads what they computed."""
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NB07_09 = {name: ROOT / "notebooks" / "solutions" / f"{name}.ipynb"
           for name in ("07-vanishing-gradients", "08-remedies", "09-capstone")}


def execute_with_measured(source, work):
    """(notebook, measured) after running ``source`` top to bottom in a fresh kernel, in ``work``.

    ``measured`` is the notebook's dict of the numbers its text quotes, read back as floats.
    """
    shutil.copy(source, work / source.name)
    nb = nbformat.read(work / source.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json\nprint(json.dumps({k: float(v) for k, v in measured.items()}))"))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute()
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return nb, json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def executed_nb07_09(tmp_path_factory):
    """executed_nb07_09(name) -> (notebook, measured); each notebook is run at most once per
    session."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = execute_with_measured(NB07_09[name], tmp_path_factory.mktemp(name[:2]))
        return cache[name]

    return get
