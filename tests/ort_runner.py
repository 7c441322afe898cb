"""onnxruntime running an exported graph at one input size, with no other import (the child
process of ``onnx_network_support.ort_outcomes`` starts once per model: SymPy and symconv
would double its start-up)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def session(path: str) -> Any:
    import onnxruntime as ort

    ort.set_default_logger_severity(4)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # the layout optimisations of the default level make onnxruntime 1.32 die of SIGFPE on
    # some sizes too small for inception_v3 (7, 8, 19–34, 43–58) instead of raising; the basic
    # level raises there, and sizes are the same at every level
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def run(sess: Any, channels: int, sizes: Sequence[int]
        ) -> tuple[bool, tuple[tuple[int, ...], ...], str]:
    """(ran, the spatial sizes of each output, why not): an empty output counts as refused."""
    import numpy as np

    name = sess.get_inputs()[0].name
    x = np.zeros((1, channels, *sizes), np.float32)
    try:
        outs = sess.run(None, {name: x})
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidArgument/RuntimeException
        return False, (), str(exc).splitlines()[0]
    if any(0 in o.shape for o in outs):  # an empty result: some layer had nothing to compute
        return False, (), f"empty output {[o.shape for o in outs]}"
    return True, tuple(tuple(int(n) for n in o.shape[2:]) for o in outs), ""
