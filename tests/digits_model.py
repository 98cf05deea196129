"""A small classifier trained on scikit-learn's bundled ``load_digits`` (1,797 8x8 images, no download),
exported to ONNX with onnx.helper: Gemm -> Relu -> Gemm -> Relu -> Gemm (an MLP trained by sklearn).

``build(folder)`` writes ``digits.onnx``, ``calib.npz``/``calib_labels.npy`` (training images, for
calibration and sensitivity) and ``test.npz``/``test_labels.npy`` (held-out images, for accuracy).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN = (96, 48)
N_TRAIN = 1200


def build(folder: Path, seed: int = 0) -> dict[str, Path]:
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order].astype(np.int64)
    clf = MLPClassifier(hidden_layer_sizes=HIDDEN, max_iter=150, random_state=seed)
    with warnings.catch_warnings():  # 150 epochs reach ~98% held-out accuracy; convergence is not the point
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x[:N_TRAIN], y[:N_TRAIN])
    nodes, inits, t = [], [], "x"
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        name = f"fc{i + 1}"
        inits += [numpy_helper.from_array(w.T.astype(np.float32), f"{name}.weight"),
                  numpy_helper.from_array(b.astype(np.float32), f"{name}.bias")]
        nodes.append(helper.make_node("Gemm", [t, f"{name}.weight", f"{name}.bias"], [name], name=name, transB=1))
        t = name
        if i < len(clf.coefs_) - 1:
            nodes.append(helper.make_node("Relu", [t], [f"{name}.relu"], name=f"{name}.relu"))
            t = f"{name}.relu"
    graph = helper.make_graph(nodes, "digits_mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 64])],
                              [helper.make_tensor_value_info(t, TensorProto.FLOAT, ["N", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="dse-digits")
    model.ir_version = 8
    paths = {"model": folder / "digits.onnx", "calib": folder / "calib.npz",
             "calib_labels": folder / "calib_labels.npy", "test": folder / "test.npz",
             "test_labels": folder / "test_labels.npy"}
    onnx.save(model, str(paths["model"]))
    np.savez(paths["calib"], x=x[:N_TRAIN])
    np.save(paths["calib_labels"], y[:N_TRAIN])
    np.savez(paths["test"], x=x[N_TRAIN:])
    np.save(paths["test_labels"], y[N_TRAIN:])
    return paths
