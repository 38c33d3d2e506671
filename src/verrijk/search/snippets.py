"""Snippets of a hit's text with the words that matched the query marked up."""

from __future__ import annotations

from html import escape

from verrijk.search.lexical import matched_words

WINDOW = 200


def snippet(title: str, description: str, terms: set[str], lang: str) -> str:
    """HTML: a window of the description (or the title) around the first matched word, matches in <em>."""
    for text in (description, title):
        spans = matched_words(text, terms, lang)
        if spans:
            start = max(0, spans[0][0] - WINDOW // 4)
            return _mark(text, [s for s in spans if s[1] <= start + WINDOW], start, start + WINDOW)
    return _mark(description or title, [], 0, WINDOW)


def _mark(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out, at = [], start
    for s, e in spans:
        if s < start:
            continue
        out += [escape(text[at:s]), "<em>", escape(text[s:e]), "</em>"]
        at = e
    out.append(escape(text[at:end]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")
