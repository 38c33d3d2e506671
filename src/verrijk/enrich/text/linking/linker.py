"""Disambiguation: which entry of one or more authorities a mention means, or none (NIL).

Each candidate gets features (how the name matched, type agreement, a prior from population or fame, the
collection's country, the record's other places and the regions its text names, life years against the record's
or the sentence's years, the roles the text names against the entry's description); a logistic model
fitted on the demo collection's training split turns them into a probability, and an isotonic table fitted on
the development split calibrates it. The link is the best candidate when its calibrated score reaches the NIL
threshold of the mention's entity type, set from the development split. Weights, table and thresholds live in
models/linking/model.json (training/build_link_set.py writes it); no machine-learning library is needed at run
time.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from verrijk.enrich.loading import once
from verrijk.enrich.text.linking import context as words
from verrijk.enrich.text.linking import normalise
from verrijk.enrich.text.linking.index import is_person
from verrijk.enrich.text.linking.model import Candidate, Entry, LinkContext, LinkResult
from verrijk.enrich.text.linking.normalise import EXACT, FUZZY, INITIALS, SURNAME, VARIANT
from verrijk.folding import fold

if TYPE_CHECKING:
    from verrijk.enrich.text.linking.index import AuthorityIndex, Match


FEATURES = (
    "bias",
    "exact",
    "variant",
    "initials",
    "surname",
    "fuzzy",
    "phonetic",
    "similarity",
    "is_label",
    "type",
    "prior",
    "dominance",
    "share",
    "ambiguity",
    "best_level",
    "country",
    "cooccur",
    "epithet_conflict",
    "date_conflict",
    "single_token",
    "date_fit",
    "role",
    "place_look_alike",
)
UNTYPED = "untyped"  # the key of the NIL threshold for mentions without an entity type
COOCCUR_KM = 150.0  # a place this close to another place the record names counts as "nearby"
HOME_WEIGHT = 100.0  # how much likelier a place in the collection's (or the record's other places') country is
DATE_MARGIN = 10  # years a record may fall outside a person's life (posthumous prints, early works)
WORKING_AGE = 15  # a person makes or does little before this age
LOOK_ALIKE_POWER = 8  # look-alikes' importance times similarity to this power: 0.9 alike counts 0.43, 0.8 0.17
SOUND_ALIKE_WEIGHT = 0.1  # a sound-alike place's weight beside namesakes: a spelling none of its names has is rare
PART_KM = 10.0  # a namesake this close to a weightier one is part of it (a town's sections, its municipality)
PART_LEADERS = 10  # the weightiest namesakes the others are compared with


@dataclass(frozen=True)
class Model:
    """Logistic weights, an isotonic calibration table (raw probability -> calibrated), a NIL threshold, and NIL
    thresholds per entity type ("untyped": mentions without one) where the development split had enough to say."""

    weights: dict[str, float]
    calibration_x: tuple[float, ...] = ()
    calibration_y: tuple[float, ...] = ()
    threshold: float = 0.5
    thresholds: dict[str, float] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> Model:
        """The fitted model: the active version trained from decisions (`verrijk train link`), else
        models/linking/model.json under the models directory; fixed weights without one."""
        if path is None:
            from verrijk.config import Settings
            from verrijk.enrich.models import active_trained

            settings = Settings()
            trained = active_trained(settings.trained_dir, "linking")
            path = (trained[1] if trained else settings.models_dir / "linking") / "model.json"
        if not path.is_file():
            return cls(DEFAULT_WEIGHTS)
        data = json.loads(path.read_text(encoding="utf-8"))
        calibration = data.get("calibration", {})
        return cls(
            {f: float(data["weights"].get(f, 0.0)) for f in FEATURES},
            tuple(calibration.get("x", ())),
            tuple(calibration.get("y", ())),
            float(data.get("threshold", 0.5)),
            {kind: float(t) for kind, t in (data.get("thresholds") or {}).items()},
        )

    def threshold_for(self, entity_type: str | None) -> float:
        """The NIL threshold for mentions of this type (None: untyped)."""
        return self.thresholds.get(entity_type or UNTYPED, self.threshold)

    def raw(self, features: dict[str, float]) -> float:
        z = sum(self.weights.get(f, 0.0) * v for f, v in features.items())
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def calibrate(self, p: float) -> float:
        """Piecewise-linear interpolation of the isotonic table (identity without one)."""
        xs, ys = self.calibration_x, self.calibration_y
        if not xs:
            return p
        i = bisect.bisect_left(xs, p)
        if i == 0:
            return ys[0]
        if i >= len(xs):
            return ys[-1]
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (p - x0) / (x1 - x0)

    def score(self, features: dict[str, float]) -> float:
        return self.calibrate(self.raw(features))


# Used only until a fitted model exists (a fresh checkout before training/build_link_set.py has run).
DEFAULT_WEIGHTS = {"bias": -2.0, "exact": 3.0, "variant": 1.5, "initials": 0.5, "fuzzy": 0.5, "similarity": 1.0,
                   "type": 2.0, "prior": 1.5, "dominance": 2.0, "ambiguity": -0.5,
                   "best_level": 0.5, "share": 2.0, "country": 1.0, "cooccur": 1.0, "epithet_conflict": -3.0,
                   "date_conflict": -3.0, "date_fit": 1.0, "role": 1.0}  # fmt: skip


@once(maxsize=1)
def default_model() -> Model:
    return Model.load()


# context ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Neighbourhood:
    """The countries and coordinates of the places a record names besides the mention, resolved by their
    likeliest exact match, and the countries its region and nationality words point to ("Vlaamse", "Flanders"):
    evidence for candidates in the same country or nearby. Also the years the record or its text names and the
    roles its text names, for people."""

    countries: frozenset[str]
    points: tuple[tuple[float, float], ...]
    years: tuple[int, int] | None = None
    roles: frozenset[str] = frozenset()
    depicted: bool = False  # the text shows the person ("Portret van …"): its years need not fall in their life


def neighbourhood(indexes: Sequence[AuthorityIndex], context: LinkContext, mention: str) -> Neighbourhood:
    countries: set[str] = set(words.regions(context.text.replace(mention, " ")))
    points: list[tuple[float, float]] = []
    mention_key = fold(mention)
    for other, kind in context.mentions:
        if kind not in (None, "LOC") or fold(other) == mention_key:
            continue
        entry = _likeliest_place(indexes, other)
        if entry is None:
            continue
        if entry.properties.get("country"):
            countries.add(entry.properties["country"])
        if entry.properties.get("lat") is not None and entry.properties.get("lon") is not None:
            points.append((float(entry.properties["lat"]), float(entry.properties["lon"])))
    if context.year_from is not None:
        span = (context.year_from, context.year_to or context.year_from)
    else:
        span = words.years(context.text)
    roles = words.roles(context.text.replace(mention, " "))
    return Neighbourhood(frozenset(countries), tuple(points), span, roles, words.depicted(context.text, mention))


def _likeliest_place(indexes: Sequence[AuthorityIndex], name: str) -> Entry | None:
    found = [p for index in indexes if (p := index.likeliest_place(name)) is not None]
    return max(found, key=lambda p: p[0])[1] if found else None


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


def importance(prior: float) -> float:
    """A prior on a ratio scale: a place's population back from its log (a person's fame alike), so shares of it
    compare candidates as a reader does ("Berlin" is the city of 3.4 million, not the village of 9,000)."""
    return 10 ** (7.5 * prior)


def weight(index: AuthorityIndex, match: Match, context: LinkContext, near: Neighbourhood) -> float:
    """A candidate's importance, times HOME_WEIGHT when it lies in the collection's country or one the record's
    other places lie in: a Surinamese collection's "Mariënburg" is the plantation, not the Polish town.

    A place's importance is its population times the number of names it has (in GeoNames: the languages and
    sources that name it), as a person's prior counts the catalogues that know them: population alone makes
    Florence, Alabama (40,000 inhabitants, 3 names) a third of Florence, Italy (367,000, 40 names), where a reader
    of "Florence" hardly ever means it."""
    entry = index.entries[match.index]
    country = entry.properties.get("country")
    home = bool(country) and (country == context.country or country in near.countries)
    known = len(entry.names()) if "population" in entry.properties else 1
    return importance(index.priors[match.index]) * known * (HOME_WEIGHT if home else 1.0)


def merge_parts(index: AuthorityIndex, matches: Sequence[Match], weights: list[float]) -> list[float]:
    """Namesakes' weights with each place that lies within PART_KM of a weightier namesake counted as part of it:
    GeoNames names Leuven's sections Heverlee and Kessel-Lo "Leuven" too, and has a town and its municipality
    as two entries; they are one place to a reader, not rivals that split the name's weight."""
    located = []
    for i, (m, w) in enumerate(zip(matches, weights, strict=True)):
        p = index.entries[m.index].properties
        if w > 0 and p.get("lat") is not None and p.get("lon") is not None:
            located.append((w, i, (float(p["lat"]), float(p["lon"]))))
    if len(located) < 2:
        return weights
    leaders = sorted(located, reverse=True)[:PART_LEADERS]
    merged = list(weights)
    for w, i, point in sorted(located):  # the smallest first, so that a part's part reaches the whole
        whole = next((j for lw, j, at in leaders if lw > w and km(point, at) <= PART_KM), None)
        if whole is not None:
            merged[whole] += merged[i]
            merged[i] = 0.0
    return merged


# features ---------------------------------------------------------------------------------------------------------
def features(
    index: AuthorityIndex,
    match: Match,
    mention: str,
    entity_type: str | None,
    context: LinkContext,
    near: Neighbourhood,
    best_level: int,
    rival_prior: float,
    n_candidates: int,
    share: float = 1.0,
) -> dict[str, float]:
    entry = index.entries[match.index]
    p = entry.properties
    prior = index.priors[match.index]
    country = p.get("country") or ""
    f = {
        "bias": 1.0,
        "exact": float(match.level == EXACT),
        "variant": float(match.level == VARIANT),
        "initials": float(match.level == INITIALS),
        "surname": float(match.level == SURNAME),
        "fuzzy": float(match.level == FUZZY),
        "phonetic": float(match.sounds),
        "similarity": match.similarity,
        "is_label": float(match.label),
        # +1 the mention's type is one of the entry's, -1 it is not, 0 when either is unknown
        "type": (1.0 if entity_type in entry.types else -1.0) if entity_type and entry.types else 0.0,
        "prior": prior,
        "dominance": prior - rival_prior,
        # the candidate's share of all candidates' weight: ~1 for the one big place of a name among villages
        "share": share,
        "ambiguity": min(1.0, math.log10(n_candidates)) if n_candidates > 1 else 0.0,
        "best_level": float(match.level == best_level),
        # +1 in the collection's country, -1 elsewhere, 0 when either is unknown
        "country": (1.0 if context.country == country else -1.0) if context.country and country else 0.0,
        "cooccur": float(_cooccurs(p, near)),
        "epithet_conflict": float(_epithet_conflict(mention, entry)),
        "date_conflict": float(_date_conflict(p, near.years, near.depicted)),
        "single_token": float(len(fold(mention).split()) == 1),
        "date_fit": float(_date_fit(p, near.years)),
        "role": _role_agreement(entry, near.roles),
        # a look-alike place name is often the same place transliterated ("Ravalpindis"), unless the place lies
        # outside the countries the collection and the record's other places are in (a Surinamese plantation is no
        # misspelt town abroad); a look-alike person's name is someone else's
        "place_look_alike": float(match.level == FUZZY and "LOC" in entry.types and _at_home(country, context, near)),
    }
    return f


def _at_home(country: str, context: LinkContext, near: Neighbourhood) -> bool:
    """In the collection's country or one the record's other places are in, or nothing says where home is."""
    home = {context.country, *near.countries} - {None}
    return not home or country in home


def _cooccurs(properties: dict, near: Neighbourhood) -> bool:
    if properties.get("country") and properties["country"] in near.countries:
        return True
    lat, lon = properties.get("lat"), properties.get("lon")
    return lat is not None and lon is not None and any(km((lat, lon), pt) <= COOCCUR_KM for pt in near.points)


def _epithet_conflict(mention: str, entry: Entry) -> bool:
    said = normalise.epithet(fold(mention))
    if not said:
        return False
    carried = {normalise.epithet(fold(n)) for n in entry.names()} - {None}
    return bool(carried) and said not in carried


def _date_conflict(properties: dict, span: tuple[int, int] | None, depicted: bool = False) -> bool:
    """A person born after the record was made, or dead well before it (a record may postdate a death: prints
    after paintings, but not by centuries; a portrait or monument of the person by any time)."""
    born, died = properties.get("born"), properties.get("died")
    if span is None or (born is None and died is None):
        return False
    start, end = span
    if born is not None and end < int(born) + 5:
        return True
    return not depicted and died is not None and start > int(died) + 100 + DATE_MARGIN


def _date_fit(properties: dict, span: tuple[int, int] | None) -> bool:
    """The record's (or the sentence's) years fall in the person's working life: a photo of 1890 by someone
    who lived 1850-1920, not by a namesake who died in 1640."""
    born, died = properties.get("born"), properties.get("died")
    if span is None or (born is None and died is None):
        return False
    start, end = span
    return (born is None or start >= int(born) + WORKING_AGE) and (died is None or end <= int(died) + DATE_MARGIN)


def _role_agreement(entry: Entry, said: frozenset[str]) -> float:
    """+1 the text names one of the roles the entry's description or occupation names ("schilder" and "Flemish
    painter"), -1 it names only others ("drukker" against "painter"), 0 when either names none."""
    if not said:
        return 0.0
    occupation = entry.properties.get("occupation") or ""
    known = words.roles(" ".join([entry.description, *([occupation] if isinstance(occupation, str) else occupation)]))
    if not known:
        return 0.0
    return 1.0 if known & said else -1.0


def score_matches(
    index: AuthorityIndex,
    mention: str,
    entity_type: str | None,
    matches: Sequence[Match],
    context: LinkContext,
    model: Model | None = None,
    near: Neighbourhood | None = None,
    limit: int | None = None,
) -> list[Candidate]:
    """Candidates for one index's matches, best first (the `limit` best only, when given)."""
    if not matches:
        return []
    model = model or default_model()
    near = near or neighbourhood([index], context, mention)
    best_level = min(m.level for m in matches)
    # sound-alikes of a name that matched better (index.SOUND_ALIKES) are offered beside its namesakes, not
    # counted among them: the namesakes' dominance and ambiguity stay what the name alone gives
    namesakes = {m.index for m in matches if m.level < FUZZY or best_level == FUZZY}
    # dominance: how much likelier a priori than the likeliest other candidate (negative unless the favourite;
    # 0 for a lone candidate, whose prior says enough)
    priors = sorted((index.priors[i] for i in namesakes), reverse=True)
    first, second = priors[0], (priors[1] if len(priors) > 1 else priors[0])
    # namesakes share the weight; a look-alike (fuzzy match) is nobody's namesake, nor is one whose epithet the
    # mention contradicts ("Jan Brueghel de Oude" is not Jan Brueghel II). Look-alike places share it by importance
    # times how alike they are ("Darmshtat": Darmstadt in Germany rather than the village in Indiana) when nothing
    # matched better, and sound-alike places even when a small namesake matched exactly ("Surinam": Suriname rather
    # than the village on Mauritius), then times how rarely a name is written in a way none of its known spellings
    # has (SOUND_ALIKE_WEIGHT); a look-alike person is as often someone else
    unseen = SOUND_ALIKE_WEIGHT if best_level < FUZZY else 1.0
    weights = [
        weight(index, m, context, near) * (unseen * m.similarity**LOOK_ALIKE_POWER if m.level == FUZZY else 1.0)
        if (m.level < FUZZY or (not is_person(index.entries[m.index]) and (best_level == FUZZY or m.sounds)))
        and not _epithet_conflict(mention, index.entries[m.index])
        else 0.0
        for m in matches
    ]
    weights = merge_parts(index, matches, weights)
    total = sum(weights)
    scored = []
    for m, w in zip(matches, weights, strict=True):
        rival = second if index.priors[m.index] >= first and m.index in namesakes else first
        share = w / total if total else 1.0
        f = features(index, m, mention, entity_type, context, near, best_level, rival, len(namesakes), share)
        scored.append((model.score(f), f["prior"], m, f))
    scored.sort(key=lambda s: s[:2], reverse=True)
    return [
        Candidate(index.entries[m.index], index.name, score, index.alias(m), f) for score, _, m, f in scored[:limit]
    ]


class Linker:
    """Links mentions to the entries of one or more authority indexes."""

    def __init__(self, indexes: Sequence[AuthorityIndex], model: Model | None = None, limit: int = 5):
        self.indexes = list(indexes)
        self.model = model or default_model()
        self.limit = limit

    def candidates(self, mention: str, entity_type: str | None, context: LinkContext) -> list[Candidate]:
        near = neighbourhood(self.indexes, context, mention)
        person = entity_type in (None, "PER", "MISC")
        found: list[Candidate] = []
        for index in self.indexes:
            matches = index.lookup(mention, person)
            found += score_matches(index, mention, entity_type, matches, context, self.model, near, self.limit)
        return sorted(found, key=lambda c: (c.score, c.features.get("prior", 0.0)), reverse=True)

    def link(self, mention: str, entity_type: str | None, context: LinkContext | None = None) -> LinkResult:
        candidates = self.candidates(mention, entity_type, context or LinkContext())[: self.limit]
        best = candidates[0] if candidates else None
        linked = best is not None and best.score >= self.model.threshold_for(entity_type)
        return LinkResult(candidates, best if linked else None)
