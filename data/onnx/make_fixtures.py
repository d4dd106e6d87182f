"""Writes the two hand-made ONNX fixtures with the onnx package (pip install onnx==1.23.2)
and prints the reference counts: a model whose weights live in an external .onnx.data file
(as torch's exporter writes them; only the .onnx is kept, to show the data file is not
needed), and a model with com.microsoft and custom-domain operators."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# External data: x @ W1 -> Relu -> @ W2, weights 64x64 and 64x10 stored beside the model.
w1 = numpy_helper.from_array(np.ones((64, 64), np.float32), "encoder.fc1.weight")
w2 = numpy_helper.from_array(np.ones((64, 10), np.float32), "encoder.fc2.weight")
graph = helper.make_graph(
    [
        helper.make_node("MatMul", ["x", "encoder.fc1.weight"], ["h"], name="/encoder/fc1/MatMul"),
        helper.make_node("Relu", ["h"], ["r"], name="/encoder/act/Relu"),
        helper.make_node("MatMul", ["r", "encoder.fc2.weight"], ["y"], name="/encoder/fc2/MatMul"),
    ],
    "external",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 64])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 10])],
    [w1, w2],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save_model(model, "external_data.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                location="external_data.onnx.data", size_threshold=0)

# Domains: a com.microsoft Attention (num_heads 4) and a custom op.
qkv = numpy_helper.from_array(np.zeros((32, 96), np.float32), "qkv.weight")
graph = helper.make_graph(
    [
        helper.make_node("LayerNormalization", ["x", "ln.scale"], ["n"], name="/layer.0/ln/LayerNormalization"),
        helper.make_node("Attention", ["n", "qkv.weight"], ["a"], name="/layer.0/attn/Attention", domain="com.microsoft", num_heads=4),
        helper.make_node("MyGelu", ["a"], ["y"], name="/layer.0/act/MyGelu", domain="org.example"),
    ],
    "domains",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 32])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 32])],
    [numpy_helper.from_array(np.ones(32, np.float32), "ln.scale"), qkv],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1), helper.make_opsetid("org.example", 1)])
onnx.save_model(model, "domains.onnx")

for name in ["external_data.onnx", "domains.onnx"]:
    m = onnx.load(name, load_external_data=False)
    params = sum(int(np.prod(t.dims)) for t in m.graph.initializer)
    print(name, "nodes", len(m.graph.node), "params", params, [n.op_type for n in m.graph.node])
