"""Float ONNX models with random weights for the precision tests: MobileNetV2 (Sandler et al., CVPR
2018, Table 2: inverted residuals with expansion 6, ReLU6, linear bottlenecks) written with
onnx_builders.Net; ResNet-18 comes from ``onnx_builders.resnet18(..., zeros=False)``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx

from onnx_builders import Net, _input, _output

# (expansion t, channels c, repeats n, stride s) of MobileNetV2's bottlenecks (Table 2)
MBV2_BLOCKS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
               (6, 320, 1, 1))


def mobilenetv2(path: Path, hw: int = 32, width: float = 1.0, classes: int = 1000) -> Path:
    g = Net(seed=7)
    ch = lambda c: max(8, int(c * width))

    def conv(name, x, c, k, f, stride=1, groups=1, act=True):
        y = g.conv(name, x, c, k, f, stride, groups)
        w = g.inits[-1]
        arr = onnx.numpy_helper.to_array(w)  # He-scaled so activations keep their magnitude
        fan_in = arr[0].size
        w.CopyFrom(onnx.numpy_helper.from_array(
            (g.rng.standard_normal(arr.shape) * np.sqrt(2.0 / fan_in)).astype(np.float32), w.name))
        if act:
            y = g.op("Clip", [y, g.init(f"{name}.lo", np.float32(0)), g.init(f"{name}.hi", np.float32(6))],
                     f"{name}.relu6")
        return y

    x = conv("features.0", "x", 3, ch(32), 3, 2)
    c_in, i = ch(32), 1
    for t, c, n, s in MBV2_BLOCKS:
        for r in range(n):
            stride = s if r == 0 else 1
            p = f"features.{i}"
            h = c_in * t
            y = conv(f"{p}.expand", x, c_in, h, 1) if t != 1 else x
            y = conv(f"{p}.dw", y, h, h, 3, stride, groups=h)
            y = conv(f"{p}.project", y, h, ch(c), 1, act=False)
            x = g.op("Add", [x, y], f"{p}.add") if stride == 1 and c_in == ch(c) else y
            c_in, i = ch(c), i + 1
    x = conv(f"features.{i}", x, c_in, 1280, 1)
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x], "avgpool")], "flatten")
    y = g.op("Gemm", [x, g.weight("classifier.weight", (classes, 1280)), g.weight("classifier.bias", (classes,))],
             "classifier", transB=1)
    onnx.save(g.model([_input("x", ["N", 3, hw, hw])], [_output(y)]), str(path))
    return path
