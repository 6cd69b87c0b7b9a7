"""The names corpus: the file is what assets/README.md says, the split is seeded and disjoint, and
the vocabulary round-trips."""

import gzip
import hashlib

import numpy as np
import pytest

from bplearn import data


def test_the_names_file_is_the_one_assets_readme_describes():
    digest = hashlib.sha256(data.NAMES_PATH.read_bytes()).hexdigest()
    assert digest in (data.COURSE_FILES / "assets" / "README.md").read_text()
    with gzip.open(data.NAMES_PATH, "rt", encoding="ascii") as f:
        names = f.read().split("\n")
    assert names[-1] == "" and len(names[:-1]) == 5163
    assert names[:-1] == sorted(set(names[:-1]))
    assert all(n.isalpha() and n.islower() and 2 <= len(n) <= 11 for n in names[:-1])


def test_load_names_splits_every_name_once_and_the_seed_decides_how():
    train, val = data.load_names(seed=0)
    assert len(val) == 516 and len(train) + len(val) == 5163
    assert not set(train) & set(val)
    assert data.load_names(seed=0) == (train, val)
    assert data.load_names(seed=1)[1] != val
    assert len(data.load_names(seed=0, val_fraction=0.2)[1]) == round(0.2 * 5163)


def test_load_names_refuses_a_fraction_outside_0_and_1():
    with pytest.raises(ValueError, match="val_fraction must be a number strictly between 0 and 1"):
        data.load_names(val_fraction=1.5)


def test_the_vocabulary_gives_the_end_mark_id_0_and_decodes_what_it_encodes():
    vocab = data.Vocabulary(["emma", "ava"])
    assert vocab.chars == ".aemv" and len(vocab) == 5
    ids = vocab.encode(".emma.")
    np.testing.assert_array_equal(ids, [0, 2, 3, 3, 1, 0])
    assert vocab.decode(ids) == ".emma."
    with pytest.raises(ValueError, match=r"not in the vocabulary: \['o', 'z'\]"):
        vocab.encode("zoe")
