"""Rebuild MediaPipe's BlazeFace short-range face detector (a .tflite) as ONNX, once, for image.faces.

The .tflite comes from the `mediapipe==0.10.14` wheel (Apache-2.0), which verrijk does not depend on (it pins
numpy<2). This script reads the flatbuffer with the `tflite` package (the schema only, no runtime), dequantises
its float16 weights and writes the same network with onnx.helper: CONV_2D, DEPTHWISE_CONV_2D, ADD, RELU, PAD
(channel padding of the residual branches), MAX_POOL_2D, then RESHAPE and CONCATENATION of the two heads.
Activations run in NCHW inside; the input, named `image`, stays NHWC [n, 128, 128, 3] as in the original (values
in [-1, 1]) and the outputs are the original's: `regressors` [n, 896, 16], `classificators` [n, 896, 1] (logits). When
`ai-edge-litert` is installed it runs the original on random inputs and checks the ONNX graph agrees.

Run (a separate venv, nothing of it in verrijk's runtime dependencies):

    python3 -m venv /work/venvs/faces
    /work/venvs/faces/bin/pip install tflite==2.18.0 onnx onnxruntime numpy ai-edge-litert==2.3.0
    /work/venvs/faces/bin/pip download mediapipe==0.10.14 --no-deps --only-binary=:all: \
        --python-version 3.11 --platform manylinux_2_17_x86_64 -d /tmp/mp
    /work/venvs/faces/bin/python training/build_blazeface_onnx.py /tmp/mp/mediapipe-0.10.14-*.whl

It writes models/image.faces/blazeface_short_range.onnx (about 0.4 MB).
"""

from __future__ import annotations

import argparse
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import onnx
import tflite
from onnx import TensorProto, helper, numpy_helper

MEMBER = "mediapipe/modules/face_detection/face_detection_short_range.tflite"
OUT = Path(__file__).resolve().parents[1] / "models" / "image.faces" / "blazeface_short_range.onnx"
NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]
DTYPES = {
    tflite.TensorType.FLOAT32: np.float32,
    tflite.TensorType.FLOAT16: np.float16,
    tflite.TensorType.INT32: np.int32,
}
OPS = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}


def options(op, cls):
    table = op.BuiltinOptions()
    opts = cls()
    opts.Init(table.Bytes, table.Pos)
    return opts


def convert(data: bytes) -> onnx.ModelProto:
    model = tflite.Model.GetRootAsModel(data, 0)
    graph = model.Subgraphs(0)

    def name(i: int) -> str:
        return graph.Tensors(i).Name().decode()

    consts: dict[str, np.ndarray] = {}
    for i in range(graph.TensorsLength()):
        tensor = graph.Tensors(i)
        raw = model.Buffers(tensor.Buffer()).DataAsNumpy()
        if isinstance(raw, np.ndarray) and raw.size:
            shape = tuple(tensor.ShapeAsNumpy())
            consts[name(i)] = raw.view(DTYPES[tensor.Type()]).reshape(shape)

    nodes, inits = [], []

    def const(key: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(value, key))
        return key

    def emit(node: onnx.NodeProto, fused: int) -> None:
        """The node, then its fused activation (TFLite folds a ReLU into the operator that precedes it)."""
        if fused not in (tflite.ActivationFunctionType.NONE, tflite.ActivationFunctionType.RELU):
            raise ValueError(f"fused activation {fused} not supported")
        nodes.append(node)
        if fused == tflite.ActivationFunctionType.RELU:
            out = node.output[0]
            node.output[0] = out + ".pre"
            nodes.append(helper.make_node("Relu", [out + ".pre"], [out]))

    inp = name(graph.Inputs(0))
    nodes.append(helper.make_node("Transpose", ["image"], [inp], perm=NHWC_TO_NCHW))
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        code = model.OperatorCodes(op.OpcodeIndex())
        kind = OPS[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
        ins, outs = [name(i) for i in op.InputsAsNumpy()], [name(i) for i in op.OutputsAsNumpy()]
        if kind == "DEQUANTIZE":
            consts[outs[0]] = consts[ins[0]].astype(np.float32)
        elif kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            depthwise = kind == "DEPTHWISE_CONV_2D"
            opts = options(op, tflite.DepthwiseConv2DOptions if depthwise else tflite.Conv2DOptions)
            kernel = consts[ins[1]].astype(np.float32)  # conv: [O, kh, kw, I]; depthwise: [1, kh, kw, C]
            weight = kernel.transpose(3, 0, 1, 2) if depthwise else kernel.transpose(0, 3, 1, 2)
            if opts.DilationHFactor() != 1 or opts.DilationWFactor() != 1:
                raise ValueError("dilated convolutions are not supported")
            emit(
                helper.make_node(
                    "Conv",
                    [ins[0], const(ins[1] + ".w", weight), const(ins[2] + ".b", consts[ins[2]].astype(np.float32))],
                    outs,
                    group=weight.shape[0] if depthwise else 1,
                    kernel_shape=list(weight.shape[2:]),
                    strides=[opts.StrideH(), opts.StrideW()],
                    auto_pad="SAME_UPPER" if opts.Padding() == tflite.Padding.SAME else "VALID",
                ),
                opts.FusedActivationFunction(),
            )
        elif kind == "ADD":
            opts = options(op, tflite.AddOptions)
            emit(helper.make_node("Add", ins, outs), opts.FusedActivationFunction())
        elif kind == "RELU":
            nodes.append(helper.make_node("Relu", ins, outs))
        elif kind == "PAD":
            pads = consts[ins[1]][NHWC_TO_NCHW].astype(np.int64)  # [[begin, end]] per NCHW axis
            nodes.append(helper.make_node("Pad", [ins[0], const(ins[1] + ".onnx", pads.T.reshape(-1))], outs))
        elif kind == "MAX_POOL_2D":
            opts = options(op, tflite.Pool2DOptions)
            emit(
                helper.make_node(
                    "MaxPool",
                    ins[:1],
                    outs,
                    kernel_shape=[opts.FilterHeight(), opts.FilterWidth()],
                    strides=[opts.StrideH(), opts.StrideW()],
                    auto_pad="SAME_UPPER" if opts.Padding() == tflite.Padding.SAME else "VALID",
                ),
                opts.FusedActivationFunction(),
            )
        elif kind == "RESHAPE":  # back to NHWC first: the heads' anchors are laid out y, x, anchor
            shape = graph.Tensors(op.OutputsAsNumpy()[0]).ShapeAsNumpy().astype(np.int64)
            shape[0] = -1
            nodes.append(helper.make_node("Transpose", ins[:1], [ins[0] + ".nhwc"], perm=NCHW_TO_NHWC))
            nodes.append(helper.make_node("Reshape", [ins[0] + ".nhwc", const(outs[0] + ".shape", shape)], outs))
        elif kind == "CONCATENATION":
            opts = options(op, tflite.ConcatenationOptions)
            nodes.append(helper.make_node("Concat", ins, outs, axis=opts.Axis()))
        else:
            raise ValueError(f"operator {kind} not supported")
    f32 = TensorProto.FLOAT
    outputs = [name(graph.Outputs(i)) for i in range(graph.OutputsLength())]
    widths = {o: int(graph.Tensors(graph.Outputs(i)).ShapeAsNumpy()[-1]) for i, o in enumerate(outputs)}
    onnx_graph = helper.make_graph(
        nodes,
        "blazeface_short_range",
        [helper.make_tensor_value_info("image", f32, ["n", 128, 128, 3])],
        [helper.make_tensor_value_info(o, f32, ["n", 896, widths[o]]) for o in outputs],
        inits,
    )
    onnx_model = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    return onnx_model


def check(data: bytes, onnx_model: onnx.ModelProto) -> float:
    """Largest absolute difference between the original (LiteRT) and the ONNX graph on random inputs."""
    import onnxruntime
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=data)
    interpreter.allocate_tensors()
    session = onnxruntime.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    worst = 0.0
    for seed in range(4):
        x = np.random.default_rng(seed).uniform(-1, 1, (1, 128, 128, 3)).astype(np.float32)
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        ours = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"image": x}), strict=True))
        for detail in interpreter.get_output_details():
            worst = max(worst, float(np.abs(interpreter.get_tensor(detail["index"]) - ours[detail["name"]]).max()))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wheel", type=Path, help="the mediapipe==0.10.14 wheel")
    args = parser.parse_args()
    with zipfile.ZipFile(args.wheel) as wheel:
        data = wheel.read(MEMBER)
    print(f"{MEMBER}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    onnx_model = convert(data)
    try:
        print(f"largest difference from LiteRT on random inputs: {check(data, onnx_model):.2e}")
    except ImportError:
        print("ai-edge-litert is not installed: the ONNX graph was not compared with the original")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(onnx_model.SerializeToString())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, sha256 {hashlib.sha256(OUT.read_bytes()).hexdigest()})")


if __name__ == "__main__":
    main()
