"""Run a notebook, in memory, in a fresh sandboxed kernel, and survive whatever it does.

- Each cell has a time limit.  A cell over it is interrupted; if the kernel does not answer after
that
  (it ignores interrupts), the notebook is run again from the start in a new kernel without that
  cell.
- A cell that ends the kernel (``os._exit``, ``exit()``, a crash, the OOM killer) is skipped the
same way.
- The kernel's memory is limited (see ``sandbox.py``), and so is how much output is kept.
- The notebook is never written anywhere; the kernel runs in ``cwd`` (give it a temporary folder).

The kernel is ``python -m bplearn.course.sandbox`` with the interpreter running this code
(``sys.executable``), so no kernelspec needs to be installed.
"""

import asyncio
import copy
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from queue import Empty
from time import monotonic

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from . import DEFAULT_MEMORY, DEFAULT_TIMEOUT  # noqa: F401  (re-exported)

# runs of one notebook (each skips the cells that killed or hung it)
MAX_ATTEMPTS = 3
MAX_OUTPUT_CHARS = 2_000_000  # output kept per notebook; the rest is dropped
TIMEOUT_NAME = "CellTimeout"


@dataclass
class CellProblem:
    index: int
    # "error", "timeout" (interrupted), "hung" (skipped: ignored the interrupt), "died" (skipped)
    kind: str
    detail: str = ""


@dataclass
class Run:
    nb: object  # the executed copy (outputs capped)
    problems: list = field(default_factory=list)
    skipped: set = field(default_factory=set)
    finished: bool = False  # the last attempt ran every cell that was not skipped
    attempts: int = 0
    # why no attempt could run at all (kernel would not start)
    failure: str = ""

    def problem(self, index):
        return next((p for p in self.problems if p.index == index), None)


class _SandboxSpecs(KernelSpecManager):
    spec = None

    def get_kernel_spec(self, kernel_name, *args, **kwargs):
        return self.spec


def _kernel_manager(memory_limit, scratch):
    specs = _SandboxSpecs()
    specs.spec = KernelSpec(
        argv=[
            sys.executable,
            "-Xfrozen_modules=off",
            "-m",
            "bplearn.course.sandbox",
            "-f",
            "{connection_file}",
        ],
        display_name="bplearn sandbox",
        language="python",
        interrupt_mode="signal",
        env={
            "BPLEARN_KERNEL_MEMORY": str(int(memory_limit or 0)),
            "IPYTHONDIR": scratch,
            "MPLBACKEND": "Agg",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        },
    )
    return AsyncKernelManager(kernel_name="bplearn-sandbox", kernel_spec_manager=specs)


class _Client(NotebookClient):
    """An nbclient that keeps at most MAX_OUTPUT_CHARS of output and notes which cells timed out."""

    def __init__(self, nb, **kw):
        super().__init__(nb, **kw)
        self.kept_chars = 0
        self.truncated = set()
        self.timed_out = set()
        self.on_cell_executed = self._note_timeout

    def _note_timeout(self, cell, cell_index, execute_reply):
        content = (execute_reply or {}).get("content", {})
        if content.get("ename") == TIMEOUT_NAME:
            self.timed_out.add(cell_index)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(content.get("text", "") or "") + sum(
            len(str(v)) for v in (content.get("data") or {}).values()
        )
        if msg.get("msg_type") == "error":
            content["traceback"] = content.get("traceback", [])[-20:]
            size = 0
        if self.kept_chars + size > MAX_OUTPUT_CHARS:
            if cell_index not in self.truncated:
                self.truncated.add(cell_index)
                outs.append(
                    nbformat.v4.new_output(
                        "stream",
                        name="stderr",
                        text="[bplearn: the rest of this output was dropped: too long]\n",
                    )
                )
            return None
        self.kept_chars += size
        return super().output(outs, msg, display_id, cell_index)


def run_notebook(
    nb, cwd, timeout=DEFAULT_TIMEOUT, memory_limit=DEFAULT_MEMORY, skip=(), after_cell=None
):
    """Execute a copy of ``nb`` with its kernel in ``cwd``; returns a Run.  Never raises for what
    the code does.

    ``after_cell(index)``, if given, is called in this process after each code cell has finished
    (the grader uses it to take each evidence file away before the next cell runs)."""
    return asyncio.run(_run(nb, str(cwd), timeout, memory_limit, set(skip), after_cell))


async def _run(nb, cwd, timeout, memory_limit, skipped, after_cell):
    fatal = []
    run = Run(nb)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        work = copy.deepcopy(nb)
        for cell in work.cells:
            if cell.get("cell_type") == "code":
                cell.outputs, cell.execution_count = [], None
        run = Run(work, list(fatal), set(skipped), False, attempt)
        with tempfile.TemporaryDirectory(prefix="bplearn-ipython-") as scratch:
            client = _Client(
                work,
                km=_kernel_manager(memory_limit, scratch),
                timeout=timeout,
                allow_errors=True,
                interrupt_on_timeout=True,
                startup_timeout=120,
                iopub_timeout=2,
                error_on_timeout={
                    "ename": TIMEOUT_NAME,
                    "evalue": f"longer than {timeout} s",
                    "traceback": [],
                },
                resources={"metadata": {"path": cwd}},
            )
            restart = False
            try:
                async with client.async_setup_kernel(
                    cleanup_kc=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                ):
                    restart = await _cells(client, work, run, skipped, fatal, timeout, after_cell)
            except DeadKernelError:  # died while starting or shutting down
                if not run.finished and not restart:
                    run.failure = "the kernel died before the notebook could run"
                    return run
            except Exception as exc:  # the kernel would not start
                run.failure = f"could not start a kernel: {type(exc).__name__}: {exc}"
                return run
        if not restart:
            return run
    return run


async def _cells(client, work, run, skipped, fatal, timeout, after_cell):
    """Run every cell; True when the kernel died or hung and the notebook must run again without a
    cell."""
    for index, cell in enumerate(work.cells):
        if cell.get("cell_type") != "code" or index in skipped or not cell.source.strip():
            continue
        try:
            await client.async_execute_cell(cell, index, execution_count=index + 1)
        except DeadKernelError:
            problem = CellProblem(index, "died", "the kernel died while running this cell")
            fatal.append(problem)
            run.problems.append(problem)
            skipped.add(index)
            run.skipped.add(index)
            return True
        if index in client.timed_out:
            if await _responsive(client):
                run.problems.append(CellProblem(index, "timeout", f"stopped after {timeout} s"))
            else:
                problem = CellProblem(
                    index, "hung", f"ran longer than {timeout} s and could not be stopped"
                )
                fatal.append(problem)
                run.problems.append(problem)
                skipped.add(index)
                run.skipped.add(index)
                return True
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            run.problems.append(
                CellProblem(index, "error", f"{errors[0].get('ename')}: {errors[0].get('evalue')}")
            )
        if after_cell is not None:
            after_cell(index)
    run.finished = True
    return False


async def _responsive(client, seconds=10.0):
    """True when the kernel answers a trivial request within ``seconds`` (after an interrupt)."""
    try:
        msg_id = client.kc.execute("", silent=True, store_history=False)
        deadline = monotonic() + seconds
        while True:
            remaining = deadline - monotonic()
            if remaining <= 0:
                return False
            try:
                msg = await client.kc.shell_channel.get_msg(timeout=remaining)
            except Empty:
                return False
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return True
    except Exception:
        return False
