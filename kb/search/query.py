"""The query language users type: words, "phrases", -exclusions, OR and field filters.

Parsing never fails: anything that does not fit the syntax is searched as plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.search.analyzer import normalise

# Field filters a power user can type, with their Chinese aliases.
FILTER_FIELDS: dict[str, str] = {
    "library": "library",
    "库": "library",
    "tag": "tag",
    "标签": "tag",
    "customer": "customer",
    "客户": "customer",
    "opportunity": "opportunity",
    "商机": "opportunity",
    "format": "format",
    "格式": "format",
}

_TOKEN_RE = re.compile(r'-?"[^"]*"|\S+')


@dataclass(frozen=True)
class Clause:
    """A word or a quoted phrase the user typed, normalised."""

    text: str
    phrase: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """A query as groups that must all match; the clauses inside a group are alternatives (OR)."""

    raw: str
    groups: tuple[tuple[Clause, ...], ...] = ()
    excluded: tuple[Clause, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def clauses(self) -> list[Clause]:
        return [clause for group in self.groups for clause in group]


def _clause(token: str) -> Clause | None:
    if len(token) >= 2 and token.startswith('"') and token.endswith('"'):
        inner = token[1:-1].strip()
        return Clause(inner, phrase=True) if inner else None
    cleaned = token.strip('"')
    return Clause(cleaned) if cleaned else None


def _filter(token: str) -> tuple[str, str] | None:
    name, sep, value = token.partition(":")
    if not sep:
        name, sep, value = token.partition("：")
    key = FILTER_FIELDS.get(name.lower()) if sep else None
    value = value.strip('"').strip()
    if key and value:
        return key, value
    return None


def parse_query(raw: str) -> ParsedQuery:
    """Parse what the user typed; malformed input becomes plain words."""
    text = normalise(raw or "").replace("\u3000", " ")
    # An odd number of quotes has no closing quote: treat the quotes as plain text.
    if text.count('"') % 2:
        text = text.replace('"', " ")
    groups: list[list[Clause]] = []
    excluded: list[Clause] = []
    filters: dict[str, list[str]] = {}
    join_next = False
    for token in _TOKEN_RE.findall(text):
        if token == "or" or token == "|":
            join_next = bool(groups)
            continue
        found = _filter(token)
        if found:
            filters.setdefault(found[0], []).append(found[1])
            continue
        if token.startswith("-") and len(token) > 1:
            clause = _clause(token[1:])
            if clause:
                excluded.append(clause)
            continue
        clause = _clause(token)
        if clause is None:
            continue
        if join_next and groups:
            groups[-1].append(clause)
        else:
            groups.append([clause])
        join_next = False
    return ParsedQuery(
        raw=raw or "",
        groups=tuple(tuple(g) for g in groups),
        excluded=tuple(excluded),
        filters={k: tuple(v) for k, v in filters.items()},
    )
