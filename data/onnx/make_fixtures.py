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

# A small CNN with seeded weights, for the neuron level: Conv (4 filters over 3 channels)
# -> Relu -> GlobalAveragePool -> Flatten -> Gemm (transB, 10 x 4) -> MatMul (10 x 5).
rng = np.random.default_rng(7)
conv = numpy_helper.from_array(rng.normal(size=(4, 3, 3, 3)).astype(np.float32), "conv.weight")
fc = numpy_helper.from_array(rng.normal(size=(10, 4)).astype(np.float32), "fc.weight")
proj = numpy_helper.from_array(rng.normal(size=(10, 5)).astype(np.float32), "proj.weight")
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["image", "conv.weight"], ["c"], name="/features/conv/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="/features/relu/Relu"),
        helper.make_node("GlobalAveragePool", ["r"], ["p"], name="/pool/GlobalAveragePool"),
        helper.make_node("Flatten", ["p"], ["f"], name="/pool/Flatten"),
        helper.make_node("Gemm", ["f", "fc.weight"], ["g"], name="/head/fc/Gemm", transB=1),
        helper.make_node("MatMul", ["g", "proj.weight"], ["y"], name="/head/proj/MatMul"),
    ],
    "cnn",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 8, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
    [conv, fc, proj],
)
onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), "small_cnn.onnx")
w = numpy_helper.to_array(conv)
print("small_cnn.onnx conv unit 2, RMS of kernels per input channel:", np.sqrt((w[2] ** 2).mean(axis=(1, 2))).round(6).tolist())
print("small_cnn.onnx fc unit 7 row:", numpy_helper.to_array(fc)[7].round(6).tolist())
print("small_cnn.onnx proj column 3:", numpy_helper.to_array(proj)[:, 3].round(6).tolist())
