"""Trains small multilayer perceptrons on scikit-learn's handwritten digits (the UCI
optical recognition of handwritten digits test set, 1797 8x8 images, bundled with
scikit-learn 1.x, BSD-3-Clause) and writes them as ONNX: Gemm (transB) + Relu layers
named /fc1, /fc2, ..., for the neuron level, the bundling pictures and model diffs:

- digits_mlp.onnx: 64 -> 64 -> 32 -> 10, trained to convergence;
- digits_mlp_early.onnx: the same network after 3 epochs (a checkpoint of the same run);
- digits_mlp_deeper.onnx: 64 -> 64 -> 32 -> 32 -> 10, trained to convergence;
- digit_0.npy: the first image of the data set (a handwritten 0), float32 [1, 64], scaled
  to 0..1 as the networks were trained: an input for `netlens activations`;
- digits_test_100.npy: the first 100 held-out images, float32 [100, 64], scaled the same
  way: a batch that gives each neuron an activation profile to cluster by.

Prints each one's held-out accuracy.

    pip install scikit-learn onnx==1.23.2
    python3 make_digits_mlp.py
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import warnings

x, y = load_digits(return_X_y=True)
x = x / 16.0
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)


def export(mlp, path):
    nodes, initializers = [], []
    current = "pixels"
    for i, (w, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_), start=1):
        name = f"fc{i}"
        # ONNX Gemm with transB: weights stored [out, in], as torch writes them.
        initializers += [
            numpy_helper.from_array(w.T.astype(np.float32), f"{name}.weight"),
            numpy_helper.from_array(b.astype(np.float32), f"{name}.bias"),
        ]
        out = f"{name}_out"
        nodes.append(helper.make_node("Gemm", [current, f"{name}.weight", f"{name}.bias"], [out], name=f"/{name}/Gemm", transB=1))
        current = out
        if i < len(mlp.coefs_):
            nodes.append(helper.make_node("Relu", [current], [f"{name}_relu"], name=f"/{name}/Relu"))
            current = f"{name}_relu"
    graph = helper.make_graph(
        nodes,
        "digits_mlp",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info(current, TensorProto.FLOAT, ["batch", 10])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_digits_mlp.py")
    onnx.checker.check_model(model)
    onnx.save_model(model, path)
    print(f"{path}: held-out accuracy {mlp.score(x_test, y_test):.4f}")


mlp = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=600, random_state=0).fit(x_train, y_train)
export(mlp, "digits_mlp.onnx")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # stopping before convergence is the point
    early = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=3, random_state=0).fit(x_train, y_train)
export(early, "digits_mlp_early.onnx")
deeper = MLPClassifier(hidden_layer_sizes=(64, 32, 32), max_iter=600, random_state=0).fit(x_train, y_train)
export(deeper, "digits_mlp_deeper.onnx")
np.save("digit_0.npy", (load_digits().data[:1] / 16.0).astype(np.float32))
print(f"digit_0.npy: class {load_digits().target[0]}, predicted {mlp.predict(load_digits().data[:1] / 16.0)[0]}")
np.save("digits_test_100.npy", x_test[:100].astype(np.float32))
print(f"digits_test_100.npy: classes {np.bincount(y_test[:100]).tolist()}, accuracy {mlp.score(x_test[:100], y_test[:100]):.2f}")
