"""Helpers for checking what a figure draws."""

import numpy as np


def labelled(ax):
    """The axes has a title and both axis labels (non-empty)."""
    return bool(ax.get_title()) and bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def visible_lines(ax):
    """Lines that carry data (more than one point), excluding helpers such as axhline."""
    return [l for l in ax.get_lines() if len(np.atleast_1d(l.get_xdata())) > 1]
