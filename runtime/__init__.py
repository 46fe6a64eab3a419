"""The runtime verifier. Imports TensorFlow/Keras lazily; needs the ``runtime`` extra."""
