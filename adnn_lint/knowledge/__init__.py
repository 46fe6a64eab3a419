"""What adnn-lint knows about Keras, in one place: the mined initializer catalog and its loader,
the defaults a layer takes when an argument is not written, Keras's own naming rule, the tables
of layer arguments and TF 1 layer functions, and the miner that rebuilds the catalog.

This is the bottom layer of the package: the scanner, rules, spec and runtime import it, and it
imports none of them (``tests/test_architecture.py`` checks). Nothing here imports TensorFlow or
Keras at module level; only ``mine`` does, lazily, when it is asked to re-mine.
"""
