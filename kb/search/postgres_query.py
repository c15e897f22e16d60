"""Translate a parsed query into a PostgreSQL condition over the `terms` tsvector.

The condition mirrors the Whoosh backend's query (kb.search.whoosh_backend) clause for
clause. A clause matches its words, their synonyms, code prefixes or its exact character
grams. Groups must all match, or any of them when relaxed, and exclusions remove documents.
Leaves are `tsquery` texts written from kb's own tokens (see postgres_tsvector). An
inner node whose children are all leaves becomes one tsquery, which the GIN index evaluates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

from kb.search import analyzer
from kb.search.plan import ClausePlan, plan_clause
from kb.search.postgres_tsvector import GRAM_MARK, quote_lexeme
from kb.search.query import ParsedQuery

# Same rule as the Whoosh backend: a clause of this many words or more needs only this share.
LONG_CLAUSE_WORDS = 4
LONG_CLAUSE_SHARE = 0.7
# "k of n words" becomes an OR of every k-word AND up to this many combinations.
# Beyond that the words are counted in SQL, which the GIN index cannot evaluate alone.
MAX_COMBINATIONS = 64
# Score shares of a synonym and of a code prefix against the word itself, as in the Whoosh backend.
SYNONYM_BOOST = 0.8
PREFIX_BOOST = 0.5
# tsquery weight restrictions: title and content words, the fields Whoosh uses for code prefixes and parts.
TITLE_CONTENT = "AC"


@dataclass(frozen=True)
class Node:
    """A condition on a document's terms."""


@dataclass(frozen=True)
class Match(Node):
    query: str
    # Share of the score this leaf adds when it matches; only ranking reads it.
    boost: float = 1.0


@dataclass(frozen=True)
class All(Node):
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Any(Node):
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Without(Node):
    """`base` minus the documents matching `excluded`."""

    base: Node
    excluded: Node


@dataclass(frozen=True)
class AtLeast(Node):
    count: int
    parts: tuple[Node, ...]


EVERYTHING = All(())
NOTHING = Any(())


# -- leaves -----------------------------------------------------------------------


def word(text: str, weights: str = "", prefix: bool = False, boost: float = 1.0) -> Match:
    if not weights and not prefix:
        return Match(quote_lexeme(text), boost)
    marker = "*" if prefix else ""
    return Match(f"{quote_lexeme(text)}:{marker}{weights}", boost)


def phrase(lexemes: list[str], weights: str = "", boost: float = 1.0) -> Match:
    return Match("(" + " <-> ".join(word(lexeme, weights).query for lexeme in lexemes) + ")", boost)


def gram_phrase(grams: tuple[str, ...] | list[str]) -> Match:
    return phrase([GRAM_MARK + gram for gram in grams])


# -- clauses ----------------------------------------------------------------------


def _sequence(words: tuple[str, ...]) -> Node | None:
    if not words:
        return None
    nodes = tuple(word(w, boost=SYNONYM_BOOST) for w in words)
    return nodes[0] if len(nodes) == 1 else All(nodes)


def _synonym_options(plan: ClausePlan, key: str) -> list[Node]:
    options = [_sequence(seq) for seq in plan.synonyms.get(key, ())]
    return [node for node in options if node is not None]


def _word_node(plan: ClausePlan, text: str) -> Node:
    options: list[Node] = [word(text)]
    parts = plan.code_parts.get(text)
    if parts:
        options.append(phrase(list(parts), TITLE_CONTENT))
    options.extend(_synonym_options(plan, text))
    return options[0] if len(options) == 1 else Any(tuple(options))


def _gram_node(plan: ClausePlan) -> Node:
    if len(plan.grams) > 1:
        return gram_phrase(plan.grams)
    return word(GRAM_MARK + plan.grams[0], prefix=plan.single_char)


def _all_or_most(nodes: list[Node]) -> Node:
    if len(nodes) == 1:
        return nodes[0]
    if len(nodes) < LONG_CLAUSE_WORDS:
        return All(tuple(nodes))
    return AtLeast(math.ceil(len(nodes) * LONG_CLAUSE_SHARE), tuple(nodes))


def clause_node(plan: ClausePlan) -> Node:
    """Return the condition for one clause, the same alternatives as the Whoosh backend's."""
    options: list[Node] = []
    whole = analyzer.normalise(plan.text)
    if whole not in plan.words:
        options.extend(_synonym_options(plan, whole))
    if plan.words:
        if plan.phrase and len(plan.words) > 1 and not plan.grams:
            options.append(phrase(list(plan.words)))
        elif not plan.phrase:
            options.append(_all_or_most([_word_node(plan, w) for w in plan.words]))
    options.extend(word(prefix, TITLE_CONTENT, prefix=True, boost=PREFIX_BOOST) for prefix in plan.prefixes)
    if plan.grams:
        options.append(_gram_node(plan))
    if not options:
        return NOTHING
    return options[0] if len(options) == 1 else Any(tuple(options))


def query_node(parsed: ParsedQuery, relaxed: bool) -> Node:
    """Return the condition for a whole query; `relaxed` lets any group match instead of all."""
    if parsed.is_empty:
        node: Node = EVERYTHING
    else:
        groups = []
        for group in parsed.groups:
            alternatives = tuple(clause_node(plan_clause(clause)) for clause in group)
            groups.append(alternatives[0] if len(alternatives) == 1 else Any(alternatives))
        node = Any(tuple(groups)) if relaxed else All(tuple(groups))
    if parsed.excluded:
        node = Without(node, Any(tuple(clause_node(plan_clause(c, literal=True)) for c in parsed.excluded)))
    return node


def whole_phrase(parsed: ParsedQuery) -> Match | None:
    """Return the query's words as one gram phrase, which ranks documents holding them together higher."""
    clauses = parsed.clauses()
    if len(clauses) < 2 or any(c.phrase for c in clauses):
        return None
    grams = analyzer.grams_sequence("".join(c.text for c in clauses))
    return gram_phrase(grams) if len(grams) >= 2 else None


# -- folding into tsquery ---------------------------------------------------------


def _join(parts: tuple[Node, ...], operator: str) -> Match:
    return Match("(" + f" {operator} ".join(p.query for p in parts) + ")")  # type: ignore[attr-defined]


def fold(node: Node) -> Node:
    """Merge subtrees made only of leaves into single tsquery leaves."""
    if isinstance(node, Match):
        return node
    if isinstance(node, Without):
        return _fold_without(fold(node.base), fold(node.excluded))
    if isinstance(node, AtLeast):
        return _fold_at_least(node)
    assert isinstance(node, (All, Any))
    parts = tuple(fold(p) for p in node.parts)
    if isinstance(node, All):
        if NOTHING in parts:
            return NOTHING
        parts = tuple(p for p in parts if p != EVERYTHING)
    else:
        if EVERYTHING in parts:
            return EVERYTHING
        parts = tuple(p for p in parts if p != NOTHING)
    if len(parts) == 1:
        return parts[0]
    if parts and all(isinstance(p, Match) for p in parts):
        return _join(parts, "&" if isinstance(node, All) else "|")
    return type(node)(parts)


def _fold_without(base: Node, excluded: Node) -> Node:
    if excluded == NOTHING:
        return base
    if isinstance(base, Match) and isinstance(excluded, Match):
        return Match(f"({base.query} & !{excluded.query})")
    return Without(base, excluded)


def _fold_at_least(node: AtLeast) -> Node:
    parts = tuple(fold(p) for p in node.parts)
    if math.comb(len(parts), node.count) > MAX_COMBINATIONS:
        return AtLeast(node.count, parts)
    return fold(Any(tuple(All(combo) for combo in combinations(parts, node.count))))


def positive_leaves(node: Node) -> list[Match]:
    """Return the leaves that add to a document's score: everything but exclusions."""
    if isinstance(node, Match):
        return [node]
    if isinstance(node, Without):
        return positive_leaves(node.base)
    leaves: list[Match] = []
    for part in node.parts:  # type: ignore[attr-defined]
        leaves.extend(positive_leaves(part))
    return leaves


# -- SQL ------------------------------------------------------------------------


class Parameters:
    """Bound parameters of one SQL statement, named p0, p1, …"""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def add(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f":{name}"


def to_sql(node: Node, params: Parameters, column: str = "terms") -> str:
    """Return a SQL boolean expression for a folded condition."""
    if node == EVERYTHING:
        return "TRUE"
    if node == NOTHING:
        return "FALSE"
    if isinstance(node, Match):
        return f"{column} @@ CAST({params.add(node.query)} AS tsquery)"
    if isinstance(node, Without):
        return f"({to_sql(node.base, params, column)} AND NOT {to_sql(node.excluded, params, column)})"
    if isinstance(node, AtLeast):
        return _at_least_sql(node, params, column)
    operator = " AND " if isinstance(node, All) else " OR "
    return "(" + operator.join(to_sql(p, params, column) for p in node.parts) + ")"  # type: ignore[attr-defined]


def _at_least_sql(node: AtLeast, params: Parameters, column: str) -> str:
    # Any one word is required first, so the GIN index narrows the rows; the count then checks the share.
    counted = " + ".join(f"({to_sql(p, params, column)})::int" for p in node.parts)
    return f"({to_sql(fold(Any(node.parts)), params, column)} AND ({counted}) >= {node.count})"
