"""TensorFlow's answers to shape questions, in a child process that imports nothing else.

    python tests/tf_runner.py < queries.json > answers.json

Each query is an object, and each answer is ``{"size": n}`` or ``{"refused": message}``, where
the message is the first line of what TensorFlow raised. Kinds of query:

- ``{"what": "eager" | "graph", "op": "conv" | "max_pool" | "avg_pool", "i", "k", "s", "d",
  "padding": "VALID" | "SAME" | [p_begin, p_end]}``: the output length of the op. ``eager`` runs
  it; ``graph`` asks the static shape inference of a ``tf.function`` (what Keras and graphs
  use) and computes nothing.
- ``{"what": "keras_shape" | "keras_call", "i", "k", "s", "d", "padding": "same" | "valid",
  "a": null | n}``: ``Conv1DTranspose`` with ``output_padding=a``, its
  ``compute_output_shape`` or its output when called.
- ``{"what": "keras_layer", "op", "i", "k", "s", "d", "padding": "same" | "valid"}``: the
  ``compute_output_shape`` of Keras's ``Conv1D``, ``MaxPooling1D`` or ``AveragePooling1D``.
- ``{"what": "keras_add", "i", "j"}``: Keras's ``Add`` of inputs of lengths i and j.
- ``{"what": "same_pads", "i", "k", "s", "d", "p_begin", "p_end"}``: ``{"size": 1}`` if conv
  with ``padding="SAME"`` computes the same values as with the explicit pads given, else
  ``{"size": 0}``.

A child process, because TensorFlow and PyTorch in one process is asking for trouble, and
because the environment below must be set before TensorFlow is imported. Its reference CPU
kernels are used (``TF_ENABLE_ONEDNN_OPTS=0``). Their sizes follow ``kernel_shape_util.cc``,
which the tf.* rules cite. The oneDNN kernels, the default on x86, depart from that where the
window does not fit (see ``symconv/frameworks/tf.py``), and one of those departures kills the
process.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)


def _window_op(q: dict[str, Any]) -> Any:
    padding = q["padding"]
    if q["op"] == "conv":
        w = tf.reshape(tf.range(1.0, q["k"] + 1.0), (1, -1, 1, 1))  # not symmetric
        if isinstance(padding, list):
            padding = [[0, 0], [0, 0], padding, [0, 0]]
        return lambda x: tf.nn.conv2d(tf.reshape(x, (1, 1, -1, 1)), w, strides=[1, 1, q["s"], 1],
                                      padding=padding, dilations=[1, 1, q["d"], 1])[0, 0, :, 0]
    pool = tf.nn.max_pool1d if q["op"] == "max_pool" else tf.nn.avg_pool1d
    return lambda x: pool(tf.reshape(x, (1, -1, 1)), q["k"], q["s"], padding)[0, :, 0]


def _keras(q: dict[str, Any]) -> Any:
    return tf.keras.layers.Conv1DTranspose(1, q["k"], strides=q["s"], padding=q["padding"],
                                           output_padding=q["a"], dilation_rate=q["d"])


def _keras_layer(q: dict[str, Any]) -> Any:
    layers = tf.keras.layers
    if q["op"] == "conv":
        return layers.Conv1D(1, q["k"], strides=q["s"], padding=q["padding"],
                             dilation_rate=q["d"])
    pool = layers.MaxPooling1D if q["op"] == "max_pool" else layers.AveragePooling1D
    return pool(q["k"], q["s"], padding=q["padding"])


def size(q: dict[str, Any]) -> int:
    what, i = q["what"], q["i"]
    if what == "eager":
        return int(_window_op(q)(tf.ones((i,))).shape[0])
    if what == "graph":
        fn = tf.function(_window_op(q))
        return int(fn.get_concrete_function(tf.TensorSpec((i,))).structured_outputs.shape[0])
    if what == "keras_shape":
        return int(_keras(q).compute_output_shape((1, i, 1))[1])
    if what == "keras_layer":
        return int(_keras_layer(q).compute_output_shape((1, i, 1))[1])
    if what == "keras_add":
        both = [tf.keras.Input((i, 1)), tf.keras.Input((q["j"], 1))]
        return int(tf.keras.layers.Add()(both).shape[1])
    if what == "keras_call":
        return int(_keras(q)(tf.ones((1, i, 1))).shape[1])
    if what == "same_pads":
        x = tf.range(1.0, i + 1.0) ** 2  # distinct values: a shifted pad changes the sums
        same = _window_op(dict(q, op="conv", padding="SAME"))(x)
        explicit = _window_op(dict(q, op="conv", padding=[q["p_begin"], q["p_end"]]))(x)
        return int(same.shape == explicit.shape and bool(tf.reduce_all(same == explicit)))
    raise ValueError(f"unknown query kind {what!r}")


def answer(q: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"size": size(q)}
    except (tf.errors.OpError, ValueError) as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        return {"refused": " ".join(lines)}


if __name__ == "__main__":
    json.dump([answer(q) for q in json.load(sys.stdin)], sys.stdout)
