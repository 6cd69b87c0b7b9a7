"""The ``bplearn`` command (also ``python -m bplearn``): workspace, lab, progress, release, grade,
exercises."""

import argparse
import sys
from pathlib import Path

MAIN_EPILOG = """\
examples:
  bplearn lab                                       copy the course notebooks into workspace/, open
  JupyterLab
  bplearn workspace ~/bplearn                       copy the course notebooks into ~/bplearn (never
  overwrites)
  bplearn progress                                  what you have done in workspace/, and what is
  next
  bplearn release notebooks/solutions notebooks     learner notebooks from the instructor sources
  bplearn grade submissions/ --out grades/          grade a folder of submissions
  bplearn exercises                                 every exercise id, its points and signature

Run `bplearn COMMAND --help` for the details of a command.
"""

RELEASE_HELP = """\
Write the learner version of every notebook in SOURCE_DIR into OUT_DIR.

Each region between `### BEGIN SOLUTION` and `### END SOLUTION` becomes `# YOUR CODE HERE` and
`raise NotImplementedError()`; `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` regions are
removed; outputs and execution counts are cleared. Other files in SOURCE_DIR (helper modules,
images) are copied as they are. Nothing is written into SOURCE_DIR, and an existing file that would
change is never overwritten without --force (nothing at all is written then). The sources are
checked first: unbalanced markers, duplicate grade ids, or check cells whose points differ from
their exercise's are errors.
"""

RELEASE_EPILOG = """\
examples:
  bplearn release notebooks/solutions notebooks            (fails if a learner notebook would
  change)
  bplearn release notebooks/solutions notebooks --force    (what `make release` runs)
"""

GRADE_HELP = """\
Grade submissions of the course notebooks and write the reports into --out.

Each submission runs in a fresh kernel (time limit per cell, memory limit), with its locked and
check cells restored from the source, so edits to them do not count. The checks are judged outside
the
submission's kernel: redefining `check` or printing "passed" earns nothing. A submission that is not
a notebook, is empty, loops forever, exits or runs out of memory gets zero for what could not run,
with the reason; the batch always completes, and no submission file is ever modified.

Who and what: a file named like a source notebook (alice/02-loss.ipynb) is that notebook, by the
learner named after its folder (alice). Any other file is named after its learner (alice.ipynb ->
alice) and is a submission of the source notebook when --source names a single notebook.

Reports in --out: grades.csv (one row per learner, one column per exercise, then total),
feedback/LEARNER.md (each exercise's verdict and diagnosis), summary.md (per exercise: how many
passed and which mistakes the class makes most) and summary.csv (exercise, diagnosis, learners).
"""

GRADE_EPILOG = """\
examples:
  bplearn grade submissions/ --out grades/                  submissions/alice/02-loss.ipynb, ...
  bplearn grade hw2/*.ipynb --source notebooks/solutions/02-loss.ipynb --out grades-hw2/ --jobs 2
  bplearn grade alice.ipynb --source notebooks/solutions/02-loss.ipynb --out /tmp/alice --timeout 30
"""

PROGRESS_HELP = """\
Run the checks of your own notebooks and show, per notebook, which exercises are done, and what to
do next. Each notebook runs as it is, in a fresh kernel, on a temporary copy: your notebooks and
your workspace are never written to. A notebook unchanged since its last check (same contents,
same files next to it, same bplearn) is not run again: its verdict is kept in ~/.cache/bplearn
($BPLEARN_CACHE_DIR to move it); --fresh runs every notebook again.
"""

PROGRESS_EPILOG = """\
examples:
  bplearn lab                                       copy the course notebooks into workspace/, open
  JupyterLab
  bplearn workspace ~/bplearn                       copy the course notebooks into ~/bplearn (never
  overwrites)
  bplearn progress                         all notebooks in workspace/
  bplearn progress workspace --only 04-backward-pass
"""


WORKSPACE_HELP = """\
Copy into DIR (default: workspace, created if needed) every learner notebook of the course that is
not there yet, and say which. A notebook already in DIR is your work: it is never overwritten. Run
it again after upgrading bplearn and new course notebooks appear next to yours.
"""

LAB_HELP = (
    WORKSPACE_HELP
    + """
Then start JupyterLab in DIR. Options it does not know go to JupyterLab; write them as --name=value
(as root, --allow-root is added).
"""
)

LAB_EPILOG = """\
examples:
  bplearn lab
  bplearn lab ~/bplearn --no-browser --port=8890
"""


def _add_workspace_dir(parser):
    """The optional DIR argument of `workspace` and `lab`."""
    parser.add_argument(
        "dir",
        metavar="DIR",
        nargs="?",
        default="workspace",
        help="your folder (default: workspace)",
    )


def build_parser():
    from .course import DEFAULT_MEMORY, DEFAULT_TIMEOUT

    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="bplearn",
        formatter_class=fmt,
        epilog=MAIN_EPILOG,
        description=(
            "bplearn: learn backpropagation by doing. Tools for learners (progress) and "
            "instructors (release, grade)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"bplearn {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    p = sub.add_parser(
        "workspace",
        help="copy the course notebooks you do not have yet into a folder",
        description=WORKSPACE_HELP,
        formatter_class=fmt,
    )
    _add_workspace_dir(p)

    p = sub.add_parser(
        "lab",
        help="the same as workspace, then start JupyterLab there",
        description=LAB_HELP,
        epilog=LAB_EPILOG,
        formatter_class=fmt,
    )
    _add_workspace_dir(p)

    p = sub.add_parser(
        "release",
        help="make learner notebooks from the instructor sources",
        description=RELEASE_HELP,
        epilog=RELEASE_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument(
        "source_dir", metavar="SOURCE_DIR", help="folder of source notebooks with solutions"
    )
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder to write the learner notebooks into")
    p.add_argument(
        "--force", action="store_true", help="overwrite files in OUT_DIR that would change"
    )

    p = sub.add_parser(
        "grade",
        help="grade submissions: grades.csv, feedback per learner, a class summary",
        description=GRADE_HELP,
        epilog=GRADE_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument(
        "submissions",
        metavar="SUBMISSION",
        nargs="+",
        help="a submitted notebook, or a folder searched for *.ipynb",
    )
    p.add_argument(
        "--out", required=True, metavar="DIR", help="folder for the reports (created if needed)"
    )
    p.add_argument(
        "--source",
        default="notebooks/solutions",
        metavar="SOURCE",
        help="the source notebook, or the folder of sources (default: notebooks/solutions)",
    )
    p.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="submissions graded at once (default: 1)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds allowed per cell (default: {DEFAULT_TIMEOUT})",
    )
    p.add_argument(
        "--memory",
        type=float,
        default=DEFAULT_MEMORY / 2**30,
        metavar="GB",
        help=f"memory limit per kernel in GiB (default: {DEFAULT_MEMORY / 2**30:g})",
    )

    p = sub.add_parser(
        "progress",
        help="run your notebooks' checks: what is done, what is next",
        description=PROGRESS_HELP,
        epilog=PROGRESS_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument(
        "notebook_dir",
        metavar="NOTEBOOK_DIR",
        nargs="?",
        default="workspace",
        help="folder of your notebooks (default: workspace)",
    )
    p.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="only these notebooks (names with or without .ipynb)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds allowed per cell (default: {DEFAULT_TIMEOUT})",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="run every notebook again, even those unchanged since their last check",
    )

    sub.add_parser(
        "exercises",
        help="list the exercises: id, points, signature",
        description=(
            'List every registered exercise: its id (as in check("id", fn)), points and signature.'
        ),
        formatter_class=fmt,
    )
    return parser


def main(argv=None):
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return {
            "workspace": _workspace,
            "lab": _lab,
            "release": _release,
            "grade": _grade,
            "progress": _progress,
            "exercises": _exercises,
        }[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _workspace(args):
    from .course.workspace import WorkspaceError, report, seed

    try:
        added = seed(args.dir)
    except (FileNotFoundError, WorkspaceError) as exc:
        print(f"bplearn workspace: {exc}", file=sys.stderr)
        return 1
    print(report(args.dir, added))
    return 0


def _lab(args):
    from .course.workspace import WorkspaceError, lab

    try:
        return lab(args.dir, args.extra)
    except (FileNotFoundError, WorkspaceError) as exc:
        print(f"bplearn lab: {exc}", file=sys.stderr)
        return 1


def _release(args):
    from .course.release import ReleaseError, release

    try:
        written = release(args.source_dir, args.out_dir, force=args.force)
    except ReleaseError as exc:
        print(f"bplearn release: {exc}", file=sys.stderr)
        return 1
    for w in written:
        if w.status != "unchanged":
            print(f"{w.status:>9}  {_relative(w.path)}")
    unchanged = sum(w.status == "unchanged" for w in written)
    print(f"{len(written) - unchanged} written, {unchanged} unchanged, in {Path(args.out_dir)}")
    return 0


def _grade(args):
    from .course.grade import grade

    if args.jobs < 1 or args.timeout <= 0 or args.memory <= 0:
        print("bplearn grade: --jobs, --timeout and --memory must be positive", file=sys.stderr)
        return 2

    def show(s):
        extra = f"  ({s.reason})" if s.reason else ""
        print(
            f"{s.learner:<20} {s.notebook or Path(s.path).name:<28}"
            f" {s.points:g}/{s.max_points:g}{extra}"
        )

    try:
        report = grade(
            args.submissions,
            args.out,
            source=args.source,
            jobs=args.jobs,
            timeout=args.timeout,
            memory_limit=int(args.memory * 2**30),
            progress=show,
        )
    except FileNotFoundError as exc:
        print(f"bplearn grade: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out)
    print(
        f"\n{len(report.submissions)} submissions graded. Reports: {out / 'grades.csv'},"
        f" {out / 'summary.md'}, {out / 'feedback'}/"
    )
    return 0


def _progress(args):
    from .course.progress_kept import kept, report

    def show(item):
        print(f"  {'unchanged' if item.reused else 'checked'} {item.name}", file=sys.stderr)

    try:
        # every notebook unchanged since its last check: answer without loading the runner
        reuse = not args.fresh
        items = kept(args.notebook_dir, args.only, args.timeout) if reuse else None
        for item in items or []:
            show(item)
        if items is None:
            from .course.progress import progress

            items = progress(
                args.notebook_dir, args.timeout, names=args.only, on_notebook=show, reuse=reuse
            )
    except FileNotFoundError as exc:
        print(f"bplearn progress: {exc}", file=sys.stderr)
        return 1
    print(report(items))
    return 0


def _exercises(args):
    from .exercises import exercise_ids, get

    rows = [(e, get(e).points, get(e).signature) for e in exercise_ids()]
    width = max(len(e) for e, *_ in rows)
    for e, points, signature in rows:
        print(f"{e:<{width}}  {points:g} pt  {signature}")
    return 0


def _relative(path):
    try:
        return Path(path).relative_to(Path.cwd())
    except ValueError:
        return path


def _version():
    try:
        from importlib.metadata import version

        return version("bplearn")
    except Exception:
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
