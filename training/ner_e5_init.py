"""Continuing ner-e5 training from a shipped version: the upper layers and the classifier of its ONNX int8 export
(models/ner-e5/model.onnx), dequantised back into a transformers BertForTokenClassification.

``train_ner_e5.py --method top --init-onnx models/ner-e5/model.onnx`` uses it. Method ``top`` never changes the
embeddings or the lower ``--freeze-layers`` layers, so those come from the rebuilt encoder as before; only layers
from ``--freeze-layers`` up and the classifier are read here. Dynamic int8 export keeps biases and LayerNorm
parameters in float under their module names ("inner.bert.encoder.layer.8.output.dense.bias") and stores each
Linear weight transposed as int8 with a scale and zero point per output channel, fed to a MatMulInteger node named
after the module ("/inner/bert/encoder/layer.8/output/dense/MatMul_quant"): weight = ((q - zero_point) * scale)^T.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

_LAYER = re.compile(r"^bert\.encoder\.layer\.(\d+)\.")
_PARAMETERS_PER_LAYER = 16  # q/k/v, attention output, intermediate, output: 6 weights + 6 biases; 2 LayerNorms


def _wanted(key: str, first_layer: int) -> bool:
    layer = _LAYER.match(key)
    return key.startswith("classifier.") or (layer is not None and int(layer.group(1)) >= first_layer)


def onnx_upper_state(path: Path, first_layer: int) -> dict[str, torch.Tensor]:
    """State-dict entries of layers ``first_layer``.. and the classifier, read from an int8 ONNX export."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    tensors = {t.name: t for t in graph.initializer}
    state: dict[str, torch.Tensor] = {}
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        module = node.name.removeprefix("/inner/").removesuffix("/MatMul_quant").replace("/", ".")
        if not _wanted(f"{module}.weight", first_layer):
            continue
        base = node.input[1].removesuffix("_quantized")
        quantised = numpy_helper.to_array(tensors[node.input[1]]).astype(np.float32)
        zero = numpy_helper.to_array(tensors[f"{base}_zero_point"]).astype(np.float32)
        scale = numpy_helper.to_array(tensors[f"{base}_scale"]).astype(np.float32)
        state[f"{module}.weight"] = torch.from_numpy(np.ascontiguousarray(((quantised - zero) * scale).T))
    for name, tensor in tensors.items():
        key = name.removeprefix("inner.")
        if name.startswith("inner.") and not name.endswith(("_quantized", "_scale", "_zero_point")):
            if _wanted(key, first_layer):
                state[key] = torch.from_numpy(numpy_helper.to_array(tensor).copy())
    return state


def load_upper(model, path: Path, first_layer: int) -> int:
    """Loads the upper layers and classifier of ``path`` into ``model``; every one of their parameters must be
    found, with the model's shapes. Returns the number of tensors loaded."""
    state = onnx_upper_state(path, first_layer)
    expected = [k for k in model.state_dict() if _wanted(k, first_layer)]
    layers = model.config.num_hidden_layers - first_layer
    if sorted(state) != sorted(expected) or len(state) != layers * _PARAMETERS_PER_LAYER + 2:
        raise ValueError(f"{path}: parameters do not match the model ({len(state)} read, {len(expected)} expected)")
    own = model.state_dict()
    for key, value in state.items():
        if own[key].shape != value.shape:
            raise ValueError(f"{path}: {key} has shape {tuple(value.shape)}, the model {tuple(own[key].shape)}")
    model.load_state_dict(state, strict=False)
    return len(state)
