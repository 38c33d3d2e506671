"""Folding: one base (letters), the name/label key built on it, and the words subject indexing stems."""

from __future__ import annotations

import pytest

from verrijk.folding import fold, fold_letters, fold_words


@pytest.mark.parametrize(
    "text,folded",
    [
        ("Jan Van Eyck", "jan van eyck"),
        ("Nicolò dell'Abbate", "nicolo dell abbate"),
        ("Ørsted  &  Æbelø", "orsted aebelo"),
        ("'s-Hertogenbosch", "s hertogenbosch"),
        ("Mariënburg (Suriname)", "marienburg suriname"),
        ("Straße", "strasse"),
        ("snake_case", "snake case"),
        ("Москва — «столица»", "москва столица"),  # other scripts keep their letters, lose their punctuation
        ("", ""),
    ],
)
def test_fold_makes_a_matching_key(text, folded):
    assert fold(text) == folded


def test_fold_letters_keeps_everything_but_case_and_accents():
    assert fold_letters("Église, Straße & Æbelø!") == "eglise, strasse & aebelo!"
    assert fold_letters("plain ascii, Kept.") == "plain ascii, kept."


def test_fold_words_are_the_letter_and_digit_runs():
    assert fold_words("Caraïben (volk), 1863: snake_case") == ["caraiben", "volk", "1863", "snake", "case"]
    assert fold_words("Straße") == ["strasse"]


def test_the_variants_agree_on_a_single_word():
    for word in ("Église", "Æbelø", "PLANTAGE", "Nicolò"):
        assert fold(word) == fold_letters(word) == " ".join(fold_words(word))
