"""The words of the web pages in Dutch and English, and picking the reader's language."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("nl", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "nl": {
        "app_tagline": "Verrijking van erfgoedmetadata",
        "skip": "Naar de inhoud",
        "collections": "Collecties",
        "records": "Records",
        "record": "Record",
        "login": "Aanmelden",
        "logout": "Afmelden",
        "api_key": "API-sleutel",
        "api_key_help": "Plak de sleutel die je kreeg van `verrijk keys create` of van je beheerder.",
        "login_failed": "Deze sleutel is onbekend of ingetrokken.",
        "signed_in_as": "Aangemeld als",
        "in_org": "bij",
        "search": "Zoeken",
        "search_placeholder": "Zoek in titel en beschrijving…",
        "search_label": "Zoek records",
        "no_records": "Geen records gevonden.",
        "no_collections": "Nog geen collecties. Laad er een in met `verrijk ingest`.",
        "next_page": "Volgende pagina",
        "first_page": "Eerste pagina",
        "of": "van",
        "shown": "getoond",
        "title": "Titel",
        "description": "Beschrijving",
        "creator": "Vervaardiger",
        "date": "Datering",
        "place": "Plaats",
        "subject": "Onderwerp",
        "type": "Objecttype",
        "rights": "Rechten",
        "language": "Taal",
        "source_id": "Bron-id",
        "source_uri": "Bron-URI",
        "persistent_uri": "Persistente URI",
        "media": "Media",
        "extra": "Overige velden",
        "suggestions": "Suggesties",
        "no_suggestions": "Nog geen suggesties voor dit record.",
        "enricher": "Verrijker",
        "score": "Score",
        "status": "Status",
        "label": "Label",
        "field": "Veld",
        "metadata_license": "Licentie metadata",
        "collection": "Collectie",
        "transparency": "Transparantie",
        "transparency_intro": (
            "Welke verrijkers deze organisatie gebruikt, hoe goed ze gemeten zijn, "
            "en hoeveel van hun suggesties mensen aanvaardden of verwierpen."
        ),
        "versions": "Versies",
        "decisions_per_status": "Suggesties per status",
        "count": "Aantal",
        "status_suggested": "Voorgesteld (nog niet beoordeeld)",
        "status_accepted": "Aanvaard",
        "status_edited": "Aangepast",
        "status_rejected": "Verworpen",
        "status_auto": "Automatisch aanvaard",
        "acceptance_rate": "Aanvaardingsgraad van beoordeelde suggesties",
        "measured_quality": "Gemeten kwaliteit",
        "model_card": "Modelkaart",
        "no_enrichers": "Deze organisatie gebruikt nog geen verrijkers.",
        "language_switch": "English",
    },
    "en": {
        "app_tagline": "Enrichment of heritage metadata",
        "skip": "Skip to content",
        "collections": "Collections",
        "records": "Records",
        "record": "Record",
        "login": "Sign in",
        "logout": "Sign out",
        "api_key": "API key",
        "api_key_help": "Paste the key you got from `verrijk keys create` or from your administrator.",
        "login_failed": "This key is unknown or revoked.",
        "signed_in_as": "Signed in as",
        "in_org": "at",
        "search": "Search",
        "search_placeholder": "Search titles and descriptions…",
        "search_label": "Search records",
        "no_records": "No records found.",
        "no_collections": "No collections yet. Load one with `verrijk ingest`.",
        "next_page": "Next page",
        "first_page": "First page",
        "of": "of",
        "shown": "shown",
        "title": "Title",
        "description": "Description",
        "creator": "Creator",
        "date": "Date",
        "place": "Place",
        "subject": "Subject",
        "type": "Object type",
        "rights": "Rights",
        "language": "Language",
        "source_id": "Source id",
        "source_uri": "Source URI",
        "persistent_uri": "Persistent URI",
        "media": "Media",
        "extra": "Other fields",
        "suggestions": "Suggestions",
        "no_suggestions": "No suggestions for this record yet.",
        "enricher": "Enricher",
        "score": "Score",
        "status": "Status",
        "label": "Label",
        "field": "Field",
        "metadata_license": "Metadata licence",
        "collection": "Collection",
        "transparency": "Transparency",
        "transparency_intro": (
            "Which enrichers this organisation uses, how well they measured, "
            "and how many of their suggestions people accepted or rejected."
        ),
        "versions": "Versions",
        "decisions_per_status": "Suggestions per status",
        "count": "Count",
        "status_suggested": "Suggested (not reviewed yet)",
        "status_accepted": "Accepted",
        "status_edited": "Edited",
        "status_rejected": "Rejected",
        "status_auto": "Accepted automatically",
        "acceptance_rate": "Acceptance rate of reviewed suggestions",
        "measured_quality": "Measured quality",
        "model_card": "Model card",
        "no_enrichers": "This organisation uses no enrichers yet.",
        "language_switch": "Nederlands",
    },
}


def pick_language(request: Request) -> str:
    """?lang= wins (and is remembered in the session), then the session, then Accept-Language, then Dutch."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        request.session["lang"] = asked
        return asked
    if request.session.get("lang") in LANGUAGES:
        return request.session["lang"]
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "nl"
