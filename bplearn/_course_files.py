"""Where the course's files are: inside the installed package, or in the repository.

A wheel (``pip install bplearn`` or ``pip install .``) carries them as package data in ``bplearn/_data/``
(``assets/digits.csv.gz`` and its README, ``notebooks/*.ipynb``, the learner notebooks), copied there by
``setup.py`` when the wheel is built.  A checkout (``pip install -e .``) has no ``bplearn/_data/`` and uses the
repository's own ``assets/`` and ``notebooks/``.  Standard library only: the numpy core imports it.
"""
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BUNDLED = PACKAGE / "_data"          # in a wheel; absent in a checkout
REPOSITORY = PACKAGE.parent          # in a checkout


def course_root():
    """The folder that holds ``assets/`` and ``notebooks/``: the package's ``_data/`` or the repository."""
    return BUNDLED if BUNDLED.is_dir() else REPOSITORY


def digits_path():
    """The digits data file, ``assets/digits.csv.gz``."""
    return course_root() / "assets" / "digits.csv.gz"


def learner_notebooks():
    """The learner notebooks (``notebooks/*.ipynb``, without the solutions), sorted by name."""
    return sorted((course_root() / "notebooks").glob("*.ipynb"))
