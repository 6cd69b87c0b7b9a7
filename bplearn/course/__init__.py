"""The course machinery: release learner notebooks, grade submissions, show a learner's progress.

Modules: ``notebook`` (the nbgrader-compatible format), ``release``, ``grade`` (runs the grading
stages ``collect``, ``restore``, ``run``, ``judge`` and ``report``, one module each), ``progress``
(the same stages for a learner's own copies), ``execute`` (runs a notebook in a sandboxed kernel),
``sandbox`` (that kernel), ``evidence_cell`` (what the grader runs inside a submission's kernel).
Importing this package imports none of them.
"""

DEFAULT_TIMEOUT = 60  # seconds per cell, for grade and progress
DEFAULT_MEMORY = 4 * 2**30  # bytes of address space for each notebook's kernel
