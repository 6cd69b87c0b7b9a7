"""Build step: put the course's data files into the wheel as package data (everything else is in
pyproject.toml).

The repository keeps them where the project promises (``assets/``, ``notebooks/``); a built wheel
carries a copy in ``bplearn/_data/``, where ``bplearn/data.py`` (COURSE_FILES) finds them at run
time.  Editable installs (``pip install -e .``) read the repository's files directly and copy
nothing.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
COURSE_FILES = [
    ("assets", ["digits.csv.gz", "names.txt.gz", "README.md"]),
    ("notebooks", ["*.ipynb"]),
]


class build_py_with_course_files(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "bplearn" / "_data"
        for folder, patterns in COURSE_FILES:
            files = sorted({p for pattern in patterns for p in (ROOT / folder).glob(pattern)})
            if not files:
                raise SystemExit(
                    f"setup.py: no {patterns} in {ROOT / folder}: cannot build a course without"
                    " them"
                )
            (target / folder).mkdir(parents=True, exist_ok=True)
            for path in files:
                shutil.copyfile(path, target / folder / path.name)


setup(cmdclass={"build_py": build_py_with_course_files})
