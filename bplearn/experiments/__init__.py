"""The seed-dependent measurements of the course notebooks, and the claims their text makes about
them (numpy and the core only; ``import bplearn`` never loads this package).

One module per notebook that states results measured over random seeds. Each module defines

    measure(seed) -> dict         every quantity the text makes a claim about, for one seed
    CLAIMS = [Claim(...), ...]    what the text says about those quantities over the seeds

and the functions that ``measure`` uses, which the notebook itself calls: the numbers a learner
sees and the numbers the sweep checks come from one piece of code. ``tools/claims.py`` imports the
modules listed in its NOTEBOOKS (an explicit list, no registry) and judges every claim over seeds
0-11.

    reverse_mode      notebook 04b (reverse mode against forward mode, memory and checkpointing)
    remedies          notebook 08 (the test bench: each remedy for vanishing gradients, measured)
    residual          notebook 08b (residual connections and layer normalisation)
    glorot_bengio     notebook 10 (Glorot & Bengio, 2010, reproduced)
    language_model    notebook 11 (a character-level language model against counted bigrams)
"""
