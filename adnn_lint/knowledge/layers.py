"""Tables of Keras layer classes and arguments, each written once.

The scanner reads shape arguments as tuples, the spec writes them back, and the model graph and
the spec extractor both need to know which layers merge several inputs. These facts come from
the Keras layer signatures (``keras.layers``, 3.x) and do not change with a user's code.
"""

from __future__ import annotations

#: Tuple-valued layer arguments: the scanner records them as ``shape_arguments``.
SHAPE_ARGUMENTS = frozenset(
    {"kernel_size", "strides", "pool_size", "dilation_rate", "size", "target_shape", "dims"}
)
#: Shape arguments whose 1-tuple is not the same as its single integer.
TUPLE_ONLY = frozenset({"target_shape", "dims"})
#: Arguments that give a layer its input shape (Keras 3, 2 and 1 spellings).
INPUT_SHAPE_ARGUMENTS = ("input_shape", "batch_input_shape", "batch_shape", "shape", "input_dim")
#: Merge layers whose inputs and output share one shape.
SAME_SHAPE_MERGES = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
#: Merge layers: they need two input tensors or more.
MERGES = SAME_SHAPE_MERGES | {"Concatenate", "Dot"}
#: Layer classes that take several input tensors.
MULTI_INPUT = MERGES | {
    "Attention", "AdditiveAttention", "MultiHeadAttention", "GroupQueryAttention",
}  # fmt: skip
#: Classes that stand for a model's input rather than a layer.
INPUT_CLASSES = frozenset({"Input", "InputLayer"})
