"""Rebuild MediaPipe's two BlazeFace face detectors (.tflite) as ONNX, once, for image.faces.

The .tflite files come from the `mediapipe==0.10.14` wheel (Apache-2.0), which verrijk does not depend on (it pins
numpy<2). This script reads each flatbuffer with the `tflite` package (the schema only), dequantises the float16
weights and writes the same network with onnx.helper: CONV_2D, DEPTHWISE_CONV_2D, ADD, RELU (fused or not), PAD
(spatial, and channel padding of residual branches), MAX_POOL_2D, RESIZE_BILINEAR (half-pixel centres),
DEPTH_TO_SPACE (DCR), RESHAPE, CONCATENATION. The full-range model stores its 1x1 convolution weights block-sparse
(DENSIFY): LiteRT (`ai-edge-litert`, without XNNPACK, all tensors kept) densifies them and the script reads the
dense weights back. Activations run in NCHW inside; the input, named `image`, stays NHWC [n, side, side, 3] as in
the original (values in [-1, 1]) and the outputs are renamed by what they hold: `regressors` [n, anchors, 16] and
`classificators` [n, anchors, 1] (logits). Each graph is then run next to the original in LiteRT on random inputs
and the largest difference printed.

Run (a separate venv, nothing of it in verrijk's runtime dependencies):

    python3 -m venv /work/venvs/faces
    /work/venvs/faces/bin/pip install tflite==2.18.0 onnx onnxruntime numpy ai-edge-litert==2.3.0
    /work/venvs/faces/bin/pip download mediapipe==0.10.14 --no-deps --only-binary=:all: \
        --python-version 3.11 --platform manylinux_2_17_x86_64 -d /tmp/mp
    /work/venvs/faces/bin/python training/build_blazeface_onnx.py /tmp/mp/mediapipe-0.10.14-*.whl

It writes models/image.faces/blazeface_short_range.onnx (0.4 MB, 128x128, 896 anchors) and
blazeface_full_range.onnx (2.1 MB, 192x192, 2304 anchors).
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

MODELS = {  # model -> the wheel's .tflite, the ONNX file written
    "short_range": ("face_detection_short_range.tflite", "blazeface_short_range.onnx"),
    "full_range": ("face_detection_full_range_sparse.tflite", "blazeface_full_range.onnx"),
}
FOLDER = "mediapipe/modules/face_detection/"
OUT = Path(__file__).resolve().parents[1] / "models" / "image.faces"
OUTPUTS = {16: "regressors", 1: "classificators"}  # by the width of the model's two outputs
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


def interpreter(data: bytes):
    """The original in LiteRT without XNNPACK, every tensor kept (so densified weights can be read back)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    found = Interpreter(
        model_content=data,
        experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    found.allocate_tensors()
    found.invoke()
    return found


def convert(data: bytes, title: str) -> onnx.ModelProto:
    model = tflite.Model.GetRootAsModel(data, 0)
    graph = model.Subgraphs(0)

    def name(i: int) -> str:
        return graph.Tensors(i).Name().decode()

    consts: dict[str, np.ndarray] = {}
    for i in range(graph.TensorsLength()):
        tensor = graph.Tensors(i)
        raw = model.Buffers(tensor.Buffer()).DataAsNumpy()
        if isinstance(raw, np.ndarray) and raw.size and tensor.Sparsity() is None:  # sparse ones: see DENSIFY
            shape = tuple(tensor.ShapeAsNumpy())
            consts[name(i)] = raw.view(DTYPES[tensor.Type()]).reshape(shape)

    nodes, inits, original = [], [], None

    def const(key: str, value: np.ndarray) -> str:
        if key not in {i.name for i in inits}:  # a constant several operators share is written once
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
        elif kind == "DENSIFY":  # block-sparse weights: LiteRT's own densify, read back rather than redone
            original = original or interpreter(data)
            consts[outs[0]] = original.get_tensor(int(op.OutputsAsNumpy()[0]))
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
        elif kind == "RESIZE_BILINEAR":
            opts = options(op, tflite.ResizeBilinearOptions)
            if opts.AlignCorners() or not opts.HalfPixelCenters():
                raise ValueError("only half-pixel-centre bilinear resizing is supported")
            before, after = (
                graph.Tensors(i).ShapeAsNumpy()[1:3] for i in (op.InputsAsNumpy()[0], op.OutputsAsNumpy()[0])
            )
            scales = const(outs[0] + ".scales", np.array([1, 1, *(after / before)], np.float32))
            nodes.append(
                helper.make_node(
                    "Resize", [ins[0], "", scales], outs, mode="linear", coordinate_transformation_mode="half_pixel"
                )
            )
        elif kind == "DEPTH_TO_SPACE":  # TensorFlow's channel order is ONNX's DCR mode
            opts = options(op, tflite.DepthToSpaceOptions)
            nodes.append(helper.make_node("DepthToSpace", ins, outs, blocksize=opts.BlockSize(), mode="DCR"))
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
    side = int(graph.Tensors(graph.Inputs(0)).ShapeAsNumpy()[1])
    results, renamed = [], {}
    for i in range(graph.OutputsLength()):
        anchors, width = (int(d) for d in graph.Tensors(graph.Outputs(i)).ShapeAsNumpy()[1:])
        renamed[name(graph.Outputs(i))] = OUTPUTS[width]  # the outputs by what they hold, whatever their name
        results.append(helper.make_tensor_value_info(OUTPUTS[width], f32, ["n", anchors, width]))
    for node in nodes:
        node.output[:] = [renamed.get(o, o) for o in node.output]
    onnx_graph = helper.make_graph(
        nodes, title, [helper.make_tensor_value_info("image", f32, ["n", side, side, 3])], results, inits
    )
    onnx_model = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    return onnx_model


def check(data: bytes, onnx_model: onnx.ModelProto) -> float:
    """Largest absolute difference between the original (LiteRT) and the ONNX graph on random inputs."""
    import onnxruntime
    from ai_edge_litert.interpreter import Interpreter

    original = Interpreter(model_content=data)
    original.allocate_tensors()
    session = onnxruntime.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    shape = original.get_input_details()[0]["shape"]
    worst = 0.0
    for seed in range(4):
        x = np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)
        original.set_tensor(original.get_input_details()[0]["index"], x)
        original.invoke()
        ours = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"image": x}), strict=True))
        for detail in original.get_output_details():
            theirs = original.get_tensor(detail["index"])
            worst = max(worst, float(np.abs(theirs - ours[OUTPUTS[theirs.shape[-1]]]).max()))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wheel", type=Path, help="the mediapipe==0.10.14 wheel")
    args = parser.parse_args()
    for title, (member, file) in MODELS.items():
        with zipfile.ZipFile(args.wheel) as wheel:
            data = wheel.read(FOLDER + member)
        print(f"{member}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
        onnx_model = convert(data, f"blazeface_{title}")
        print(f"largest difference from LiteRT on random inputs: {check(data, onnx_model):.2e}")
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / file).write_bytes(onnx_model.SerializeToString())
        written = (OUT / file).read_bytes()
        print(f"wrote {OUT / file} ({len(written)} bytes, sha256 {hashlib.sha256(written).hexdigest()})")


if __name__ == "__main__":
    main()
