"""Text as token ids, for notebook 11's character-level language model (outside the core:
``import bplearn`` does not load it).

    vocab = Vocabulary(train_names + val_names);  ids = vocab.encode(".emma.");  vocab.decode(ids)
"""

import numpy as np


class Vocabulary:
    """The characters of some texts, one id each: "." (id 0, where a name starts and ends) and the
    others sorted.  ``encode(text)`` -> int64 ids (len(text),); ``decode(ids)`` -> str."""

    def __init__(self, texts):
        self.chars = "." + "".join(sorted(set("".join(texts)) - {"."}))

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        unknown = sorted(set(text) - set(self.chars))
        if unknown:
            raise ValueError(f"encode: text has characters not in the vocabulary: {unknown}")
        return np.array([self.chars.index(c) for c in text], dtype=np.int64)

    def decode(self, ids):
        return "".join(self.chars[i] for i in np.ravel(ids))
