"""Writes pool-gemm.onnx beside this file: MaxPool 3×3 stride 2 → Flatten → Gemm (8 → 4), the
README's example of a pool whose empty output onnxruntime runs on to the Gemm that fails.
Run: python examples/networks/pool_gemm_onnx.py"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, "H", "W"])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
nodes = [helper.make_node("MaxPool", ["x"], ["p"], name="pool1", kernel_shape=[3, 3],
                          strides=[2, 2]),
         helper.make_node("Flatten", ["p"], ["f"], name="flat"),
         helper.make_node("Gemm", ["f", "w"], ["y"], name="fc")]
weights = numpy_helper.from_array(np.ones((8, 4), np.float32), "w")
graph = helper.make_graph(nodes, "pool-gemm", [x], [y], initializer=[weights])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
onnx.save(model, str(Path(__file__).with_name("pool-gemm.onnx")))
