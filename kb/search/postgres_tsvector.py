"""Write kb's own analysis of a document as a PostgreSQL `tsvector` literal.

PostgreSQL never analyses kb's text: the lexemes and positions are the tokens of
kb.search.analyzer, so the postgres backend matches exactly what the other backends match.

Two namespaces share one tsvector. Words are stored as they are, and character grams
with GRAM_MARK in front. A bigram such as 雷达 is often also a word, and the two kinds
of positions (word ordinals, character ordinals) must not mix in phrase queries. Each field gets a weight, which ts_rank_cd turns into a field boost:

- A: title words and title grams
- B: tags, customer and opportunity names
- C: content words
- D: content grams
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kb.search import analyzer
from kb.search.analyzer import Token
from kb.search.backend import IndexDocument

GRAM_MARK = "~"
# PostgreSQL limits: positions run from 1 to 16383, a lexeme keeps at most 256 of them,
# and a whole tsvector must stay under 1 MiB.
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
SIZE_BUDGET_BYTES = 900_000
# Positions left empty between two fields, so that no phrase matches across them.
FIELD_GAP = 8


@dataclass(frozen=True)
class _Field:
    tokens: list[Token]
    weight: str
    mark: str = ""


def quote_lexeme(lexeme: str) -> str:
    """Quote one lexeme for tsvector or tsquery input (quotes and backslashes doubled)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _document_fields(doc: IndexDocument) -> tuple[list[_Field], list[_Field]]:
    """Return the word fields and the gram fields of a document, in position order."""
    words = [
        _Field(analyzer.word_tokens(doc.title), "A"),
        _Field(analyzer.word_tokens("\n".join(doc.tags)), "B"),
        _Field(analyzer.word_tokens("\n".join((*doc.customer_names, *doc.opportunity_names))), "B"),
        _Field(analyzer.word_tokens(doc.content), "C"),
    ]
    grams = [
        _Field(analyzer.gram_tokens(doc.title), "A", GRAM_MARK),
        _Field(analyzer.gram_tokens(doc.content), "D", GRAM_MARK),
    ]
    return words, grams


def _collect(fields: Iterable[_Field], entries: dict[str, dict[int, str]]) -> None:
    """Add the fields' tokens to `entries` (lexeme -> position -> weight), each field after the last."""
    offset = 0
    for field in fields:
        end = offset
        for token in field.tokens:
            position = min(offset + token.pos + 1, MAX_POSITION)
            positions = entries.setdefault(field.mark + token.text, {})
            # A position shared by two fields keeps the higher weight (A sorts first).
            if position not in positions or field.weight < positions[position]:
                positions[position] = field.weight
            end = max(end, position)
        if field.tokens:
            offset = end + FIELD_GAP


def _render(entries: dict[str, dict[int, str]], per_lexeme: int) -> str:
    parts = []
    for lexeme, positions in entries.items():
        first = sorted(positions.items())[:per_lexeme]
        parts.append(quote_lexeme(lexeme) + ":" + ",".join(f"{pos}{weight}" for pos, weight in first))
    return " ".join(parts)


def tsvector_literal(doc: IndexDocument) -> str:
    """Return the tsvector input text for a document.

    NOTE: positions past 16383 are stored as 16383, so phrases deep in a very long
    document match only through their words. A tsvector near 1 MiB keeps fewer
    positions per lexeme, which lowers the cover-density rank of such documents.
    """
    words, grams = _document_fields(doc)
    entries: dict[str, dict[int, str]] = {}
    _collect(words, entries)
    _collect(grams, entries)
    literal = _render(entries, MAX_POSITIONS_PER_LEXEME)
    for per_lexeme in (32, 4, 1):
        if len(literal.encode("utf-8")) <= SIZE_BUDGET_BYTES:
            break
        literal = _render(entries, per_lexeme)
    return literal
