"""Trains a small convolutional network on scikit-learn's handwritten digits (the UCI
optical recognition of handwritten digits test set, 1797 8x8 images, bundled with
scikit-learn 1.x, BSD-3-Clause) with plain numpy (Adam, cross-entropy), and writes it as
ONNX: digits_cnn.onnx, for conv feature maps (`netlens activations --dim 3`):

    pixels [batch, 1, 8, 8]
    /conv1/Conv (8 channels, 3x3, padding 1) -> /conv1/Relu
    /conv2/Conv (16 channels, 3x3, padding 1, stride 2) -> /conv2/Relu   [batch, 16, 4, 4]
    /flatten/Flatten -> /fc/Gemm (10 classes)

Prints its held-out accuracy (the same split as make_digits_mlp.py), and the numpy
forward pass's scores for the first held-out digit, which the Rust test compares with
tract's.

    pip install scikit-learn onnx==1.23.2
    python3 make_digits_cnn.py
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

x, y = load_digits(return_X_y=True)
x = (x / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
rng = np.random.default_rng(0)


def im2col(x, k, stride):
    """[N, C, H, W] padded by 1 -> [N, out_h, out_w, C * k * k] patches."""
    n, c, h, w = x.shape
    p = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    oh, ow = (h + 2 - k) // stride + 1, (w + 2 - k) // stride + 1
    cols = np.empty((n, oh, ow, c, k, k), x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, :, :, i, j] = p[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride].transpose(0, 2, 3, 1)
    return cols.reshape(n, oh, ow, c * k * k)


def col2im(dcols, shape, k, stride):
    n, c, h, w = shape
    oh, ow = dcols.shape[1], dcols.shape[2]
    dp = np.zeros((n, c, h + 2, w + 2), dcols.dtype)
    d = dcols.reshape(n, oh, ow, c, k, k)
    for i in range(k):
        for j in range(k):
            dp[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride] += d[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dp[:, :, 1:-1, 1:-1]


def conv(x, w, b, stride):
    cols = im2col(x, 3, stride)
    out = cols @ w.reshape(w.shape[0], -1).T + b
    return out.transpose(0, 3, 1, 2), cols


params = {
    "conv1.weight": rng.normal(0, np.sqrt(2 / 9), (8, 1, 3, 3)),
    "conv1.bias": np.zeros(8),
    "conv2.weight": rng.normal(0, np.sqrt(2 / 72), (16, 8, 3, 3)),
    "conv2.bias": np.zeros(16),
    "fc.weight": rng.normal(0, np.sqrt(1 / 256), (10, 256)),
    "fc.bias": np.zeros(10),
}
params = {k: v.astype(np.float32) for k, v in params.items()}


def forward(x):
    a1, cols1 = conv(x, params["conv1.weight"], params["conv1.bias"], 1)
    r1 = np.maximum(a1, 0)
    a2, cols2 = conv(r1, params["conv2.weight"], params["conv2.bias"], 2)
    r2 = np.maximum(a2, 0)
    flat = r2.reshape(len(x), -1)
    return flat @ params["fc.weight"].T + params["fc.bias"], (cols1, a1, r1, cols2, a2, flat)


def grads(x, y):
    scores, (cols1, a1, r1, cols2, a2, flat) = forward(x)
    p = np.exp(scores - scores.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    d = p
    d[np.arange(len(y)), y] -= 1
    d /= len(y)
    g = {"fc.weight": d.T @ flat, "fc.bias": d.sum(0)}
    d2 = (d @ params["fc.weight"]).reshape(a2.shape) * (a2 > 0)
    d2c = d2.transpose(0, 2, 3, 1)
    g["conv2.weight"] = np.einsum("nhwo,nhwk->ok", d2c, cols2).reshape(params["conv2.weight"].shape)
    g["conv2.bias"] = d2c.sum((0, 1, 2))
    dr1 = col2im(d2c @ params["conv2.weight"].reshape(16, -1), r1.shape, 3, 2) * (a1 > 0)
    d1c = dr1.transpose(0, 2, 3, 1)
    g["conv1.weight"] = np.einsum("nhwo,nhwk->ok", d1c, cols1).reshape(params["conv1.weight"].shape)
    g["conv1.bias"] = d1c.sum((0, 1, 2))
    return g


m = {k: np.zeros_like(v) for k, v in params.items()}
v = {k: np.zeros_like(v) for k, v in params.items()}
step = 0
for epoch in range(40):
    order = rng.permutation(len(x_train))
    for start in range(0, len(order), 32):
        batch = order[start : start + 32]
        g = grads(x_train[batch], y_train[batch])
        step += 1
        for k in params:
            m[k] = 0.9 * m[k] + 0.1 * g[k]
            v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
            update = 0.003 * (m[k] / (1 - 0.9**step)) / (np.sqrt(v[k] / (1 - 0.999**step)) + 1e-8)
            params[k] = (params[k] - update).astype(np.float32)

accuracy = (forward(x_test)[0].argmax(1) == y_test).mean()

nodes = [
    helper.make_node("Conv", ["pixels", "conv1.weight", "conv1.bias"], ["conv1_out"], name="/conv1/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["conv1_out"], ["conv1_relu"], name="/conv1/Relu"),
    helper.make_node("Conv", ["conv1_relu", "conv2.weight", "conv2.bias"], ["conv2_out"], name="/conv2/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
    helper.make_node("Relu", ["conv2_out"], ["conv2_relu"], name="/conv2/Relu"),
    helper.make_node("Flatten", ["conv2_relu"], ["flat"], name="/flatten/Flatten", axis=1),
    helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["scores"], name="/fc/Gemm", transB=1),
]
graph = helper.make_graph(
    nodes,
    "digits_cnn",
    [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["batch", 1, 8, 8])],
    [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 10])],
    [numpy_helper.from_array(value, name) for name, value in params.items()],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_digits_cnn.py")
onnx.checker.check_model(model)
onnx.save_model(model, "digits_cnn.onnx")
print(f"digits_cnn.onnx: held-out accuracy {accuracy:.4f}")
np.save("digit_test_0.npy", x_test[:1])
scores = forward(x_test[:1])[0][0]
print(f"digit_test_0.npy: class {y_test[0]}; scores {np.array2string(scores, precision=4, separator=', ')}")
