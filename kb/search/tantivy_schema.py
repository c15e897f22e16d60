"""The Tantivy schema and the conversion of an IndexDocument into a Tantivy document.

Text fields receive kb's own tokens as pre-tokenized strings, with kb's positions,
so Tantivy indexes the same terms at the same positions as the Whoosh backend. Sub-words
and code parts share the position of their word, and gram positions are character ordinals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import tantivy

from kb.search import analyzer
from kb.search.backend import IndexDocument

# Field weights as in the Whoosh backend (chosen on the tuning half of bench/relevance).
WORD_FIELDS = {"title": 4.0, "tag_text": 3.0, "party": 2.5, "content": 1.0}
GRAM_FIELD = "grams"
TITLE_GRAM_FIELD = "title_grams"
GRAM_FIELDS = {GRAM_FIELD: 0.2, TITLE_GRAM_FIELD: 3.0}
# Exact-value fields used for filters; the facet fields among them are also fast fields.
KEYWORD_FIELDS = ("library", "folder", "format", "tag", "customer", "opportunity")
FAST_KEYWORD_FIELDS = ("library", "format", "tag", "customer", "opportunity")
# Pre-tokenized fields never run this tokenizer, but the schema needs a registered name.
_PRE_TOKENIZED = "raw"

Producer = Callable[..., list[analyzer.Token]]

# Tantivy stores dates as nanoseconds in 64 bits, so it rejects dates outside these bounds.
# They are rounded inwards to whole seconds, the precision of the indexed dates, so that a
# clamped date and a clamped filter bound compare equal.
_EARLIEST = tantivy.MIN_DATETIME.replace(tzinfo=None, microsecond=0) + timedelta(seconds=1)
_LATEST = tantivy.MAX_DATETIME.replace(tzinfo=None, microsecond=0)


def clamp_date(value: datetime) -> datetime:
    """Return `value` as a naive UTC datetime within the range Tantivy stores."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return min(max(value, _EARLIEST), _LATEST)


def build_schema() -> tantivy.Schema:
    """Return the schema: id, exact-value fields, the modified date and kb's token fields."""
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, fast=name in FAST_KEYWORD_FIELDS, tokenizer_name="raw", index_option="basic")
    builder.add_date_field("modified", indexed=True, fast=True)
    for name in (*WORD_FIELDS, *GRAM_FIELDS):
        builder.add_text_field(name, tokenizer_name=_PRE_TOKENIZED, index_option="position")
    return builder.build()


def _pre_tokenized(text: str, produce: Producer) -> tantivy.PreTokenizedString | None:
    tokens = [tantivy.Token(t.text, t.pos, t.start, t.end) for t in produce(text)]
    return tantivy.PreTokenizedString(text, tokens) if tokens else None


def _add_tokens(document: tantivy.Document, field: str, text: str, produce: Producer) -> None:
    pre_tokenized = _pre_tokenized(text, produce) if text else None
    if pre_tokenized is not None:
        document.add_pre_tokenized_text(field, pre_tokenized)


def _add_keywords(document: tantivy.Document, field: str, values: list[str]) -> None:
    # Empty values are left out so that facets never count a blank key.
    for value in dict.fromkeys(v for v in values if v):
        document.add_text(field, value)


def to_tantivy(doc: IndexDocument) -> tantivy.Document:
    """Convert one document; text fields are analysed here, by kb's analyzer."""
    document = tantivy.Document()
    document.add_unsigned("id", doc.id)
    _add_keywords(document, "library", [doc.library])
    _add_keywords(document, "folder", [doc.folder])
    _add_keywords(document, "format", [doc.format])
    _add_keywords(document, "tag", list(doc.tags))
    _add_keywords(document, "customer", [str(i) for i in doc.customer_ids])
    _add_keywords(document, "opportunity", [str(i) for i in doc.opportunity_ids])
    if doc.modified is not None:
        document.add_date("modified", clamp_date(doc.modified))

    word_texts = {
        "title": doc.title,
        "tag_text": "\n".join(doc.tags),
        "party": "\n".join((*doc.customer_names, *doc.opportunity_names)),
        "content": doc.content,
    }
    for field, text in word_texts.items():
        _add_tokens(document, field, text, analyzer.word_tokens)
    _add_tokens(document, GRAM_FIELD, doc.content, analyzer.gram_tokens)
    _add_tokens(document, TITLE_GRAM_FIELD, doc.title, analyzer.gram_tokens)
    return document
