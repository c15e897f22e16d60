"""Turn one clause of a parsed query into engine-independent terms to look for."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from kb.search import analyzer, lexicon
from kb.search.query import Clause

# A clause of this many words or more was typed as a sentence. Only this share of its
# words, the longest ones, is required, and the others add to the score.
LONG_CLAUSE_WORDS = 6
LONG_CLAUSE_SHARE = 0.7

_CODE_RE = re.compile(r"^(?=.*[a-z])(?=.*[0-9])[a-z0-9]{3,}$")
_PART_RE = re.compile(r"[a-z]+|[0-9]+")


@dataclass(frozen=True)
class ClausePlan:
    """What a backend searches for one clause.

    `words` must all match (or match as a phrase when `phrase`); `grams` match as one
    exact phrase over character bigrams; `prefixes` are model codes a document may
    continue (`qx72` finds `qx7200`); `single_char` matches any gram that starts with it.
    """

    text: str
    words: tuple[str, ...]
    grams: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    # Letter and digit parts of each code in `words`, so `qx7200` also finds `QX 7200`.
    code_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Words that add to the score but are not required: single Han characters among
    # longer words (算 in 维修人工费怎么算), which jieba leaves over from phrasing, and
    # the shortest words of a clause long enough to be a sentence.
    optional_words: frozenset[str] = frozenset()
    # Other spellings of a word from the synonym list, each as its word sequence.
    synonyms: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    phrase: bool = False
    single_char: bool = False


def _without_stopwords(words: list[str]) -> list[str]:
    stop = lexicon.stopwords()
    kept = [w for w in words if w not in stop]
    # A query made only of stop words still searches them.
    return kept or words


def _synonyms(clause: Clause, words: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    found: dict[str, tuple[tuple[str, ...], ...]] = {}
    for word in {*words, analyzer.normalise(clause.text)}:
        others = lexicon.synonyms_of(word)
        if others:
            found[word] = tuple(tuple(analyzer.main_words(other)) for other in others)
    return found


def _optional_words(words: tuple[str, ...]) -> frozenset[str]:
    """Pick the words a clause may lack: leftover single characters, and the shortest of a sentence."""
    unique = set(words)
    singles = {w for w in unique if len(w) == 1 and analyzer.has_han(w)}
    # At least one word stays required, or the clause would match every document.
    optional = set(singles) if len(singles) < len(unique) else set()
    rest = [w for w in dict.fromkeys(words) if w not in optional]
    if len(rest) >= LONG_CLAUSE_WORDS:
        keep = math.ceil(len(rest) * LONG_CLAUSE_SHARE)
        by_length = sorted(rest, key=lambda w: (-len(w), rest.index(w)))
        optional.update(by_length[keep:])
    return frozenset(optional)


def plan_clause(clause: Clause, literal: bool = False) -> ClausePlan:
    """Plan one clause; `literal` (for -exclusions) drops synonyms and optional words.

    An exclusion removes what the user typed, not its synonyms: -报价 keeps documents
    that only mention 价格.
    """
    plan = _plan_clause(clause)
    if literal:
        return replace(plan, synonyms={}, optional_words=frozenset())
    return plan


def _plan_clause(clause: Clause) -> ClausePlan:
    words = tuple(_without_stopwords(analyzer.main_words(clause.text)) if not clause.phrase else analyzer.main_words(clause.text))
    grams = tuple(analyzer.grams_sequence(clause.text))
    prefixes = tuple(w for w in words if _CODE_RE.match(w)) if not clause.phrase else ()
    single = len(grams) == 1 and len(grams[0]) == 1 and analyzer.has_han(grams[0])
    if not analyzer.has_han(clause.text) and not clause.phrase:
        # Letters and digits alone: the word fields decide; codes still match by prefix.
        grams = ()
    code_parts = {w: tuple(_PART_RE.findall(w)) for w in words if _CODE_RE.match(w)}
    return ClausePlan(
        text=clause.text,
        words=words,
        grams=grams,
        prefixes=prefixes,
        code_parts={w: parts for w, parts in code_parts.items() if len(parts) > 1},
        synonyms=_synonyms(clause, words) if not clause.phrase else {},
        optional_words=_optional_words(words) if not clause.phrase else frozenset(),
        phrase=clause.phrase,
        single_char=single,
    )


def highlight_terms(clauses: list[Clause]) -> list[str]:
    """Return the normalised strings a snippet should mark for these clauses, longest first."""
    terms: set[str] = set()
    for clause in clauses:
        text = analyzer.normalise(clause.text).strip()
        if not text:
            continue
        if clause.phrase:
            terms.add(text)
            continue
        terms.add(text)
        for token in analyzer.word_tokens(text, normalised=True):
            if len(token.text) > 1 or analyzer.has_han(token.text):
                terms.add(token.text)
    return sorted(terms, key=len, reverse=True)
