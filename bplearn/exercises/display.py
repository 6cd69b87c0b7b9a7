"""How a verdict looks: a small box in Jupyter, one or two lines of text elsewhere.

Passed and not-passed differ by symbol and words as well as by colour (colour-blind-safe blue and
vermillion), and the output is deterministic so notebooks can pin it (nbval compares it in CI).
A leaf module: it reads a result's attributes and imports nothing of bplearn.  IPython is looked up
only when a verdict is shown (it is not needed outside Jupyter).
"""

import html
import sys

PASS_COLOUR = "#0072B2"  # blue (Okabe-Ito)
FAIL_COLOUR = "#D55E00"  # vermillion (Okabe-Ito)


def headline(result):
    """One line: symbol, exercise, verdict and points."""
    pts = (
        f"{_num(result.points)}/{_num(result.max_points)}"
        f" point{'s' if result.max_points != 1 else ''}"
    )
    if result.passed:
        return f"✓ {result.exercise_id}: passed ({pts})"
    if result.diagnosis == "not_implemented":
        return f"○ {result.exercise_id}: not implemented yet ({pts})"
    return f"✗ {result.exercise_id}: not yet, {result.diagnosis.replace('_', ' ')} ({pts})"


def as_text(result):
    text = headline(result)
    if result.message:
        text += "\n" + "\n".join("  " + line for line in result.message.splitlines())
    return text


def as_html(result):
    colour = PASS_COLOUR if result.passed else FAIL_COLOUR
    body = ""
    if result.message:
        body = (
            "<div style='margin-top:2px;white-space:pre-wrap'>"
            + html.escape(result.message)
            + "</div>"
        )
    return (
        f"<div style='border-left:4px solid {colour};padding:2px 8px;margin:2px 0'>"
        f"<b style='color:{colour}'>{html.escape(headline(result))}</b>{body}</div>"
    )


def show(result):
    """Display ``result``: rich HTML (with a text fallback) under IPython, plain text otherwise."""
    if _shell() is None:
        print(as_text(result))
        return
    from IPython.display import display  # IPython is running, so this import is free

    display({"text/plain": as_text(result), "text/html": as_html(result)}, raw=True)


def _shell():
    """The running IPython shell, or None (IPython not imported, or imported but not running)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def _execution_count():
    """The number of the cell being run in IPython (None outside IPython)."""
    shell = _shell()
    return getattr(shell, "execution_count", None) if shell is not None else None


def _num(x):
    return f"{x:g}" if isinstance(x, float) else str(x)
