"""Builds the Dutch NER training, development and held-out test sets from open corpora and silver data.

Sources and what is done to them (see models/ner-nl/README.md for licences):
- Europeana Newspapers NL (CC0): one untokenised OCR stream; punctuation is split off, sentences are cut at
  final punctuation, and blocks with almost no annotation (parts the annotators skipped) are dropped.
- VOC missives (Apache-2.0): labels mapped to CoNLL's (LOCderiv/RELderiv -> MISC, ships dropped); spans that
  start in lower case are dropped, since CoNLL-style annotation tags proper names only.
- Rijksmuseum Suriname records (CC0): maker, depicted person and place fields are aligned to the title and
  description text, with gazetteer matches added; capitalised words nobody explains are marked *missing*
  (unknown label) rather than O, so the silver data does not teach that unknown names are not names.
- Templates (ner_templates.py) filled with authority names, and record sentences with their names swapped.
Every source is split into train/dev/test; test is reported only, dev picks the best checkpoint.
"""

from __future__ import annotations

import csv
import json
import random
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from ner_lexicon import (
    ADJECTIVES,
    CITY_EXONYMS,
    CLUB_PREFIXES,
    COUNTRIES_NL,
    DEMO,
    DEMONYMS,
    EVENTS,
    FORENAMES_MODERN,
    LANGUAGES,
    ORG_HEADS,
    ORG_PREFIXES,
    ORG_SUFFIXES,
    PARTICLES,
    SURNAMES_MODERN,
    Lexicon,
    geonames_places,
    lexicon,
    word_frequencies,
)
from ner_templates import TEMPLATES
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

from verrijk.enrich.text.ner.conll import normalise_tags, read_conll, spans_to_tags, tags_to_spans

DATA = Path("/work/shared/data")
EUROPEANA = DATA / "europeana_newspapers_ner_nl" / "enp_NL.kb.bio"
VOC = DATA / "voc_missives_ner"
RECORDS = DEMO / "rijksmuseum_suriname.csv"
VOC_MAP = {"SHP": None, "LOCderiv": "MISC", "RELderiv": "MISC"}
SPLITS = ("train", "dev", "test")

_LEAD = "([{\"'„“‘«¿¡"
_TRAIL = ",;:!?)]}\"'»”’."
_INITIAL = re.compile(r"^([A-ZÀ-Þ][a-z]?|[a-z])$")  # "J." or "Th." keep their period
_ORG_MAKER = re.compile(
    r"&|\b(Co|Cie|N\.?V|B\.?V|Firma|Uitgeverij|Uitgever|Maatschappij|Atelier|Studio|Drukkerij|Stichting|"
    r"Vereniging|Museum|Compagnie|Bureau|Persbureau|Fotopersbureau|Lichtdrukinrichting|Gebroeders|Gebr)\b"
)


@dataclass
class Example:
    """A tokenised sentence with IOB2 tags; ``missing`` token indices have an unknown label."""

    words: list[str]
    tags: list[str]
    spaces: list[bool] | None = None
    missing: list[int] = field(default_factory=list)


def bucket(key: str) -> str:
    """Stable train/dev/test assignment of a record or block key: 80/10/10."""
    value = zlib.crc32(key.encode()) % 10
    return "test" if value == 0 else "dev" if value == 1 else "train"


# --- Europeana ---------------------------------------------------------------------------------------------


def split_punctuation(word: str) -> tuple[list[str], int]:
    """Splits leading/trailing punctuation off an OCR token; returns the pieces and the index of the word piece."""
    lead: list[str] = []
    trail: list[str] = []
    while len(word) > 1 and word[0] in _LEAD:
        lead.append(word[0])
        word = word[1:]
    while len(word) > 1 and word[-1] in _TRAIL:
        if word[-1] == "." and _INITIAL.match(word[:-1]):
            break
        trail.insert(0, word[-1])
        word = word[:-1]
    return lead + [word] + trail, len(lead)


def retokenise(words: list[str], tags: list[str]) -> tuple[list[str], list[str]]:
    """Punctuation split off each token; the entity tag stays on the word piece, pieces get O."""
    out_words: list[str] = []
    out_tags: list[str] = []
    for word, tag in zip(words, tags, strict=True):
        pieces, at = split_punctuation(word)
        for i, piece in enumerate(pieces):
            out_words.append(piece)
            out_tags.append(tag if i == at else "O")
    return out_words, normalise_tags(out_tags)


def sentences_of(words: list[str], tags: list[str], max_len: int = 80) -> list[Example]:
    """Cuts a token stream at . ? ! followed by a capitalised word, and at max_len tokens."""
    out: list[Example] = []
    start = 0
    for i, word in enumerate(words):
        end_here = word in {".", "?", "!"} and (i + 1 == len(words) or words[i + 1][:1].isupper())
        if end_here or i + 1 - start >= max_len or i + 1 == len(words):
            sent_tags = normalise_tags(tags[start : i + 1])
            out.append(Example(words[start : i + 1], sent_tags))
            start = i + 1
    return out


def europeana_examples(
    block_tokens: int = 1000, min_entity_rate: float = 0.02, annotated: bool = True
) -> dict[str, list[Example]]:
    """Europeana sentences split by ~1000-token block; blocks under 2 % entity tokens are unannotated: dropped
    (with ``annotated=False`` only those blocks are returned, as raw text for distillation)."""
    (stream,) = read_conll(EUROPEANA)
    words, tags = retokenise(stream.words, stream.tags)
    splits: dict[str, list[Example]] = {s: [] for s in SPLITS}
    block: list[Example] = []
    number = 0

    def flush() -> None:
        nonlocal block, number
        tokens = sum(len(e.words) for e in block)
        entity_tokens = sum(t != "O" for e in block for t in e.tags)
        if tokens and (entity_tokens / tokens >= min_entity_rate) == annotated:
            splits[bucket(f"europeana-{number}")].extend(block)
        block = []
        number += 1

    for example in sentences_of(words, tags):
        block.append(example)
        if sum(len(e.words) for e in block) >= block_tokens:
            flush()
    flush()
    return splits


# --- VOC ---------------------------------------------------------------------------------------------------


def voc_examples() -> dict[str, list[Example]]:
    """VOC missives with CoNLL labels; lower-case spans (``christenen``, ``kamer``) become O."""
    splits = {}
    for split in SPLITS:
        examples = []
        for sentence in read_conll(VOC / f"{split}.conll", VOC_MAP):
            spans = [s for s in sentence.spans() if sentence.words[s[0]][:1].isupper()]
            examples.append(Example(sentence.words, spans_to_tags(len(sentence.words), spans)))
        splits[split] = examples
    return splits


# --- Rijksmuseum records (silver) ----------------------------------------------------------------------------


def person_forms(name: str) -> list[str]:
    """Surface forms of a catalogue name 'Surname, Forename [particles]' as it may appear in running text."""
    name = " ".join(name.split())
    if "," not in name:
        return [name] if len(name.split()) >= 2 else []
    surname, _, given = (part.strip() for part in name.partition(","))
    given_words = given.split()
    particles: list[str] = []
    while given_words and given_words[-1].lower() in PARTICLES | {"v.d.", "v."}:
        particles.insert(0, given_words.pop())
    forename = " ".join(given_words)
    prefix = " ".join(particles)
    full = " ".join(p for p in (forename, prefix, surname) if p)
    forms = [full]
    short_surname = re.sub(r"\s+(jr|sr)\.?$", "", surname)
    if prefix:
        forms += [f"{prefix} {short_surname}", f"{prefix[0].upper()}{prefix[1:]} {short_surname}"]
    if len(short_surname) >= 4 and short_surname[:1].isupper():
        forms.append(short_surname)
    if forename and short_surname != surname:
        forms.append(" ".join(p for p in (forename, prefix, short_surname) if p))
    return forms


def place_forms(place: str) -> list[str]:
    """'Fort Zeelandia (Paramaribo)' -> ['Fort Zeelandia']; 'Plantage Clevia' also gives 'Clevia'."""
    base = re.sub(r"\s*\(.*?\)\s*", " ", place).strip()
    forms = [base] if base else []
    if base.lower().startswith("plantage "):
        forms.append(base[len("plantage ") :])
    return forms


def record_texts(row: dict[str, str]) -> list[str]:
    """The distinct title variants and description paragraphs of a record."""
    seen: dict[str, None] = {}
    for text in row["titel"].split("$") + row["beschrijving"].split("$"):
        text = " ".join(text.split())
        if len(text) > 3:
            seen.setdefault(text, None)
    return list(seen)


def read_records() -> list[dict[str, str]]:
    with RECORDS.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


class Gazetteer:
    """Case-sensitive phrase matching of known names; ambiguous single words (common Dutch words) are left out."""

    def __init__(self, nlp: Language, lex: Lexicon, frequencies: dict[str, int]) -> None:
        self.nlp = nlp
        self.frequencies = frequencies
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        adjectives = [form for pair in ADJECTIVES for form in pair]
        forenames = set(lex.forenames)
        misc = [w for w in adjectives + DEMONYMS if w not in forenames]
        for label, names in (("PER", lex.persons), ("LOC", lex.places), ("ORG", lex.organisations), ("MISC", misc)):
            self.add(label, names)

    def safe(self, name: str) -> bool:
        """Single-word names that occur as lower-case words in our corpora (Best, Hoorn) are ambiguous."""
        return " " in name or (len(name) > 3 and self.frequencies.get(name.lower(), 0) < 2)

    def add(self, label: str, names: Iterable[str]) -> None:
        docs = [self.nlp.make_doc(n) for n in set(names) if self.safe(n)]
        self.matcher.add(label, docs)

    def spans(self, doc: Doc, extra: PhraseMatcher | None = None) -> list[Span]:
        found = [Span(doc, s, e, label=m) for m, s, e in self.matcher(doc)]
        if extra is not None:
            found += [Span(doc, s, e, label=m) for m, s, e in extra(doc)]
        return filter_spans(found)


def is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def silver_example(sent: Span, ents: list[Span]) -> Example:
    """A sentence with the given entities; unexplained capitalised words (not sentence-initial) are missing."""
    offset = sent.start
    spans = [(e.start - offset, e.end - offset, e.label_) for e in ents if sent.start <= e.start and e.end <= sent.end]
    covered = {i for s, e, _ in spans for i in range(s, e)}
    words = [t.text for t in sent]
    missing = [i for i, w in enumerate(words) if i > 0 and i not in covered and is_capitalised(w)]
    return Example(words, spans_to_tags(len(words), spans), [bool(t.whitespace_) for t in sent], missing)


def record_examples(nlp: Language, gazetteer: Gazetteer) -> dict[str, list[Example]]:
    """Silver sentences from the Rijksmuseum records, split by record; exact duplicates are kept once."""
    splits: dict[str, list[Example]] = {s: [] for s in SPLITS}
    seen: set[str] = set()
    for row in read_records():
        local = PhraseMatcher(nlp.vocab, attr="ORTH")
        people: list[str] = []
        orgs: list[str] = []
        for maker in row["vervaardiger"].split("$") + row["inhoud.persoon.naam"].split("$"):
            if not maker.strip() or "anoniem" in maker.lower():
                continue
            (orgs if _ORG_MAKER.search(maker) else people).append(maker)
        places = [form for place in row["geografisch_trefwoord"].split("$") for form in place_forms(place)]
        for label, forms in (
            ("PER", [f for p in people for f in person_forms(p)]),
            ("ORG", [" ".join(o.split()) for o in orgs]),
            ("LOC", places),
        ):
            if forms:
                local.add(label, [nlp.make_doc(f) for f in set(forms)])
        split = bucket(f"record-{row['recordnummer']}")
        for text in record_texts(row):
            doc = nlp(text)
            ents = gazetteer.spans(doc, local)
            for sent in doc.sents:
                if sent.text in seen or len(sent) < 3:
                    continue
                seen.add(sent.text)
                splits[split].append(silver_example(sent, ents))
    return splits


# --- names for templates and substitution ----------------------------------------------------------------


class NameSampler:
    """Random names of each slot type, from the authority lists and the hand-written lists."""

    def __init__(self, lex: Lexicon, rng: random.Random) -> None:
        self.lex = lex
        self.rng = rng
        self.modern_forenames = FORENAMES_MODERN + lex.forenames[:: max(1, len(lex.forenames) // 150)]
        self.home_towns = sorted(geonames_places(15_000)) + CITY_EXONYMS

    def person(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            return self.rng.choice(self.lex.persons)
        if r < 0.85:
            return f"{self.rng.choice(self.modern_forenames)} {self.rng.choice(SURNAMES_MODERN + self.lex.surnames)}"
        return f"{self.rng.choice(self.lex.forenames)} {self.rng.choice(self.lex.surnames)}"

    def surname(self) -> str:
        name = self.rng.choice(SURNAMES_MODERN + self.lex.surnames)
        return name[0].upper() + name[1:]  # sentence-internal 'de Jong' alone is written 'De Jong'

    def forename(self) -> str:
        return self.rng.choice(self.modern_forenames)

    def initial(self) -> str:
        return f"{self.forename()[0]}. {self.surname()}"

    def organisation(self) -> str:
        r = self.rng.random()
        if r < 0.5:
            return self.rng.choice(self.lex.organisations)
        if r < 0.65:
            return f"{self.rng.choice(ORG_PREFIXES)} {self.rng.choice(self.lex.cities)}"
        if r < 0.8:
            return f"{self.surname()} {self.rng.choice(ORG_SUFFIXES)}"
        if r < 0.92:
            return f"{self.rng.choice(ORG_HEADS)} {self.surname()}"
        letters = "ABCDEFGHIKLMNOPRSTUVW"
        return "".join(self.rng.choice(letters) for _ in range(self.rng.randint(2, 4)))

    def club(self) -> str:
        """A sports club: a town's name alone half of the time, else a club prefix and the town."""
        town = self.rng.choice(self.home_towns)
        return town if self.rng.random() < 0.5 else f"{self.rng.choice(CLUB_PREFIXES)} {town}"

    def fill(self, slot: str) -> tuple[str, str]:
        """(text, label) for a template slot."""
        pick = self.rng.choice
        makers: dict[str, tuple[Callable[[], str], str]] = {
            "PER": (self.person, "PER"),
            "SUR": (self.surname, "PER"),
            "INI": (self.initial, "PER"),
            "FORE": (self.forename, "PER"),
            "CITY": (lambda: pick(self.lex.cities), "LOC"),
            "COUNTRY": (lambda: pick(list(COUNTRIES_NL.values())), "LOC"),
            "LOC": (lambda: pick(self.lex.places), "LOC"),
            "ORG": (self.organisation, "ORG"),
            "CLUB": (self.club, "ORG"),
            "ADJ": (lambda: pick(ADJECTIVES)[1], "MISC"),
            "ADJU": (lambda: pick(ADJECTIVES)[0], "MISC"),
            "DEM": (lambda: pick(DEMONYMS), "MISC"),
            "LANG": (lambda: pick(LANGUAGES), "MISC"),
            "EVENT": (lambda: pick(EVENTS), "MISC"),
        }
        make, label = makers[slot]
        return make(), label


def render(nlp: Language, pieces: list[tuple[str, str | None]]) -> Example | None:
    """Joins (text, label-or-None) pieces, tokenises, and labels the pieces that have a label."""
    text = ""
    char_spans = []
    for piece, label in pieces:
        if label:
            char_spans.append((len(text), len(text) + len(piece), label))
        text += piece
    doc = nlp.make_doc(text)
    spans = []
    for start, end, label in char_spans:
        span = doc.char_span(start, end, label=label)
        if span is None:
            return None
        spans.append(span)
    words = [t.text for t in doc]
    tags = spans_to_tags(len(doc), [(s.start, s.end, s.label_) for s in spans])
    return Example(words, tags, [bool(t.whitespace_) for t in doc])


_SLOT = re.compile(r"\{([A-Z]+)\}")


def template_examples(
    nlp: Language, sampler: NameSampler, sizes: dict[str, int], slots: tuple[str, ...] = ()
) -> dict[str, list[Example]]:
    """Filled templates; each template belongs to one split (every 10th to test, the next-to-middle to dev).
    With ``slots``, only templates with one of those slots (say ``{ORG}``) are used."""
    by_split = {
        "test": [t for i, t in enumerate(TEMPLATES) if i % 10 == 0],
        "dev": [t for i, t in enumerate(TEMPLATES) if i % 10 == 5],
        "train": [t for i, t in enumerate(TEMPLATES) if i % 10 not in (0, 5)],
    }
    splits: dict[str, list[Example]] = {}
    for split, templates in by_split.items():
        templates = [t for t in templates if not slots or any(slot in t for slot in slots)]
        out: list[Example] = []
        while len(out) < sizes[split]:
            template = sampler.rng.choice(templates)
            pieces: list[tuple[str, str | None]] = []
            last = 0
            for match in _SLOT.finditer(template):
                pieces.append((template[last : match.start()], None))
                pieces.append(sampler.fill(match.group(1)))
                last = match.end()
            pieces.append((template[last:], None))
            example = render(nlp, pieces)
            if example is not None:
                out.append(example)
        splits[split] = out
    return splits


def substitute(nlp: Language, example: Example, sampler: NameSampler) -> Example | None:
    """The example with each PER/LOC/ORG/MISC mention replaced by another name of the same type."""
    spans = tags_to_spans(example.tags)
    if not spans:
        return None
    pieces: list[tuple[str, str | None]] = []
    spaces = example.spaces or [True] * len(example.words)
    missing = set(example.missing)
    if missing:
        return None  # offsets of missing tokens would move; the plain sentence already carries them
    last = 0

    def plain(start: int, end: int) -> str:
        return "".join(example.words[i] + (" " if spaces[i] else "") for i in range(start, end))

    for start, end, label in spans:
        pieces.append((plain(last, start), None))
        if label == "PER":
            slot = "PER" if end - start > 1 else "SUR"
        elif label == "MISC":
            slot = "ADJ" if example.words[start].endswith("e") else "DEM"
        else:
            slot = {"LOC": "LOC", "ORG": "ORG"}[label]
        name, _ = sampler.fill(slot)
        pieces.append((name, label))
        trailing = plain(end - 1, end)[len(example.words[end - 1]) :]
        pieces.append((trailing, None))
        last = end
    pieces.append((plain(last, len(example.words)), None))
    return render(nlp, pieces)


# --- output ------------------------------------------------------------------------------------------------


def to_doc(vocab, example: Example) -> Doc:
    doc = Doc(vocab, words=example.words, spaces=example.spaces)
    ents = [Span(doc, s, e, label=label) for s, e, label in tags_to_spans(example.tags)]
    missing = [Span(doc, i, i + 1) for i in example.missing]
    doc.set_ents(ents, missing=missing, default="outside")
    return doc


def write_docbin(path: Path, vocab, examples: Iterable[Example]) -> int:
    docbin = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    count = 0
    for example in examples:
        docbin.add(to_doc(vocab, example))
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return count


def write_bio(path: Path, examples: Iterable[Example]) -> int:
    """Fully labelled examples as 'token tag' lines (sentences with missing labels are skipped)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            if example.missing:
                continue
            handle.writelines(f"{w} {t}\n" for w, t in zip(example.words, example.tags, strict=True))
            handle.write("\n")
            count += 1
    return count


def corpus_texts(*sets: dict[str, list[Example]]) -> Iterable[str]:
    for splits in sets:
        for examples in splits.values():
            for example in examples:
                yield " ".join(example.words)


def write_org_templates(out: Path, nlp: Language, lex: Lexicon, seed: int, count: int = 2000) -> int:
    """out/org-templates.spacy: sentences of the training templates that have an organisation slot."""
    org = template_examples(
        nlp, NameSampler(lex, random.Random(seed)), {"train": count, "dev": 0, "test": 0}, ("{ORG}", "{CLUB}")
    )
    return write_docbin(out / "org-templates.spacy", nlp.vocab, org["train"])


def build(out: Path, seed: int = 13, template_sizes: dict[str, int] | None = None, log=print) -> dict:
    """Writes out/{train,dev}.spacy, heldout/{source}-{dev,test}.bio, raw.txt, frequencies.json; returns counts.
    Also org-templates.spacy: 2,000 more sentences of the training templates with organisation slots (another
    seed), which the transformer's continued training adds (train_ner_e5.py --extra); the CNN's corpus is unchanged."""
    rng = random.Random(seed)
    nlp = spacy.blank("nl")
    nlp.add_pipe("sentencizer")
    lex = lexicon()
    log("reading europeana / voc ...")
    europeana = europeana_examples()
    voc = voc_examples()
    record_rows = read_records()
    record_raw = [t for row in record_rows for t in record_texts(row)]
    frequencies = word_frequencies(list(corpus_texts(europeana, voc)) + record_raw)
    out.mkdir(parents=True, exist_ok=True)
    common = {w: n for w, n in frequencies.most_common() if n >= 2}
    (out / "frequencies.json").write_text(json.dumps(common, ensure_ascii=False))
    log("aligning record fields ...")
    gazetteer = Gazetteer(nlp, lex, frequencies)
    records = record_examples(nlp, gazetteer)
    sampler = NameSampler(lex, rng)
    log("filling templates and swapping names ...")
    templates = template_examples(nlp, sampler, template_sizes or {"train": 9000, "dev": 400, "test": 600})
    swapped = {s: [x for e in records[s] if (x := substitute(nlp, e, sampler))] for s in SPLITS}
    sources = {"europeana": europeana, "voc": voc, "records": records, "swapped": swapped, "templates": templates}
    counts = {name: {s: len(v) for s, v in splits.items()} for name, splits in sources.items()}
    train = [e for splits in sources.values() for e in splits["train"]]
    rng.shuffle(train)
    # dev: a bounded sample of each source so evaluation during training stays cheap
    dev = [e for splits in sources.values() for e in rng.sample(splits["dev"], min(400, len(splits["dev"])))]
    write_docbin(out / "train.spacy", nlp.vocab, train)
    write_docbin(out / "dev.spacy", nlp.vocab, dev)
    for name, splits in sources.items():
        for split in ("dev", "test"):
            counts[name][f"{split}_bio"] = write_bio(out / "heldout" / f"{name}-{split}.bio", splits[split])
    with (out / "raw.txt").open("w", encoding="utf-8") as handle:  # unlabelled text for `spacy pretrain`
        for text in corpus_texts(europeana, voc, records):
            handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    counts["org_templates"] = write_org_templates(out, nlp, lex, seed + 1)
    counts["train_docs"] = len(train)
    counts["train_tokens"] = sum(len(e.words) for e in train)
    counts["dev_docs"] = len(dev)
    return counts
