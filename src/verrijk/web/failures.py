"""The services' errors in the reader's words: what a web page says of a failure, from the error's `code` and
`params` (verrijk.errors) in Dutch, from its own words in English."""

from __future__ import annotations

from verrijk.errors import VerrijkError
from verrijk.web.i18n import MESSAGES

# A service's error as a page says it in a language other than English, from the error's `code` and `params`
# (verrijk.errors); an English page shows the error's own words, which are English already. `status_<N>` says what
# went wrong for an error without a code of its own; the others are pydantic's kinds of invalid parameter.
ERRORS: dict[str, dict[str, str]] = {
    "nl": {
        "no_record": "Record {id} bestaat niet in deze organisatie.",
        "no_collection": "Collectie ‘{slug}’ bestaat niet in deze organisatie.",
        "no_organisation": "Organisatie ‘{slug}’ bestaat niet.",
        "no_suggestion": "Suggestie {id} bestaat niet in deze organisatie.",
        "no_authority": "Autoriteit ‘{name}’ bestaat niet, of deze organisatie mag ze niet lezen.",
        "role": "Als {role} mag je dit niet; dat mogen: {allowed}.",
        "csrf": "Dit formulier is verlopen of onvolledig: laad de pagina opnieuw en probeer het nog eens.",
        "rate": "Je mag {limit} verzoeken per minuut doen; probeer het over {wait} s opnieuw.",
        "votes_per_minute": "Hoogstens {limit} antwoorden per minuut: neem even pauze.",
        "own_contribution": "Vrijwilligers beoordelen hun eigen bijdragen niet.",
        "no_task": "Je hebt geen taak op suggestie {id}: ze is verlopen of was nooit de jouwe.",
        "answered": "Je hebt suggestie {id} al beantwoord.",
        "edit_needs_label": "Een verbetering heeft een label of een autoriteit-URI nodig.",
        "empty_text": "Een verbeterde tekst mag niet leeg zijn; kies ‘Hier staat geen tekst’ als er geen tekst is.",
        "bad_cursor": "Deze paginalink klopt niet (meer): begin opnieuw bij de eerste pagina.",
        "overloaded": "De server heeft het nu te druk: probeer het zo meteen opnieuw.",
        "status_400": "Het adres of het formulier bevat iets wat verrijk niet kan gebruiken.",
        "status_403": "Je hebt geen toegang tot wat je vraagt.",
        "status_404": "Wat je vraagt bestaat niet, of hoort niet bij je organisatie.",
        "status_409": "Dat kan nu niet: het botst met de huidige toestand.",
        "status_413": "Dat is te groot om te verwerken.",
        "status_422": "Het adres of het formulier bevat een waarde die niet past.",
        "status_429": "Te veel verzoeken: wacht even en probeer het opnieuw.",
        "status_503": "Iets wat deze installatie nodig heeft (een model, een autoriteit) kan nu niet geladen of "
        "bereikt worden: de beheerder moet dit oplossen.",
        "status_other": "Er ging iets mis.",
        "missing": "‘{field}’ ontbreekt.",
        "int_parsing": "‘{field}’ moet een geheel getal zijn.",
        "int_type": "‘{field}’ moet een geheel getal zijn.",
        "float_parsing": "‘{field}’ moet een getal zijn.",
        "bool_parsing": "‘{field}’ moet waar of onwaar zijn.",
        "less_than_equal": "‘{field}’ mag hoogstens {le} zijn.",
        "less_than": "‘{field}’ moet kleiner zijn dan {lt}.",
        "greater_than_equal": "‘{field}’ moet minstens {ge} zijn.",
        "greater_than": "‘{field}’ moet groter zijn dan {gt}.",
        "string_too_long": "‘{field}’ mag hoogstens {max_length} tekens lang zijn.",
        "string_too_short": "‘{field}’ moet minstens {min_length} tekens lang zijn.",
        "literal_error": "‘{field}’ moet een van deze waarden zijn: {expected}.",
        "enum": "‘{field}’ moet een van deze waarden zijn: {expected}.",
        "string_pattern_mismatch": "‘{field}’ heeft niet de vorm die hier hoort.",
        "invalid": "‘{field}’ heeft een waarde die hier niet past.",
    },
}
ROLE_PARAMS = ("role", "allowed")  # params that name roles: said with the page's word for each


def said(error: VerrijkError, lang: str) -> tuple[str, str]:
    """A service's error as a page in `lang` says it, and the error's own English words when the page could say only
    what kind of failure it is (empty when the first says it all)."""
    words = ERRORS.get(lang)
    if words is None:
        return str(error), ""
    if error.code in words:
        return words[error.code].format_map(_values(lang, error.params)), ""
    return words.get(f"status_{error.status}", words["status_other"]), str(error)


def problem_words(lang: str) -> dict[int, str]:
    """Per status, what a page in `lang` says of a failed call to the API its script makes (none for English: the
    API's own detail says it)."""
    words = ERRORS.get(lang, {})
    return {int(key[7:]): text for key, text in words.items() if key.startswith("status_") and key[7:].isdigit()}


def said_invalid(errors: list[dict], lang: str) -> tuple[str, str]:
    """Invalid parameters (pydantic's errors of a request) as a page in `lang` says them, like `said`."""
    english = "; ".join(f"{_field(e)}: {e['msg']}" for e in errors)
    words = ERRORS.get(lang)
    if words is None:
        return english, ""
    parts = [
        words.get(e["type"], words["invalid"]).format_map(_values(lang, {**e.get("ctx", {}), "field": _field(e)}))
        for e in errors
    ]
    return " ".join(parts), english if any(e["type"] not in words for e in errors) else ""


class _Values(dict):
    """The values an error's words name; one the words name and the error lacks reads '?' rather than failing."""

    def __missing__(self, name: str) -> str:
        return "?"


def _values(lang: str, params: dict) -> _Values:
    return _Values({name: _param(lang, name, value) for name, value in params.items()})


def _field(error: dict) -> str:
    return ".".join(str(p) for p in error["loc"][1:])


def _param(lang: str, name: str, value: object) -> str:
    """One value in an error's words: roles by their name in `lang`, several values as a list, pydantic's 'a or b'
    with the language's 'or'."""
    if name in ROLE_PARAMS:
        roles = [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        return ", ".join(MESSAGES[lang].get(f"role_{r}", r) for r in roles)
    if name == "expected" and isinstance(value, str):
        return value.replace(" or ", f" {MESSAGES[lang]['or']} ")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
