"""``python -m bplearn``: the same as the ``bplearn`` command."""

from bplearn.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
