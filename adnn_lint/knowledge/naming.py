"""Keras's naming rule, the one snake-casing every part of adnn-lint uses.

Keras names a layer, a loss or an initializer from its class name with
``keras.src.utils.naming.to_snake_case``: drop non-word characters, put ``_`` before every
capitalised word (``KLDivergence`` -> ``KL_Divergence``) and between a lower-case letter and a
capital, then lower-case. So ``Conv2D`` -> ``conv2d``, ``SimpleRNN`` -> ``simple_rnn``,
``KLDivergence`` -> ``kl_divergence`` and ``GlorotUniform`` -> ``glorot_uniform``. A rule that
splits before every capital instead gives ``k_l_divergence``, a name Keras rejects.
"""

from __future__ import annotations

import re

_NON_WORD = re.compile(r"\W+")
_WORD = re.compile(r"(.)([A-Z][a-z]+)")
_LOWER_UPPER = re.compile(r"([a-z])([A-Z])")


def snake_case(class_name: str) -> str:
    """``class_name`` as Keras snake-cases it (``Conv2DTranspose`` -> ``conv2d_transpose``)."""
    name = _WORD.sub(r"\1_\2", _NON_WORD.sub("", class_name))
    return _LOWER_UPPER.sub(r"\1_\2", name).lower()
