"""ONNX models the tests make at run time (nothing binary is committed)."""

from __future__ import annotations

import numpy as np


def tiny_arcface(path, *, side: int = 112, size: int = 512, seed: int = 7) -> None:
    """An 'ArcFace-class' model as small as can be: [N,3,side,side] -> 14x14 average pool -> flatten ->
    a fixed random projection -> [N,size]. Not a face model; it has the shapes of one."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    pooled = 3 * (side // 14) ** 2
    weights = np.random.default_rng(seed).standard_normal((pooled, size)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("AveragePool", ["input"], ["pooled"], kernel_shape=[14, 14], strides=[14, 14]),
            helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "weights"], ["embedding"]),
        ],
        "tiny_arcface",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, side, side])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", size])],
        [numpy_helper.from_array(weights, "weights")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())
