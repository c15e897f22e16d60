"""Key terms of a text, for building a broad query from a description."""

from __future__ import annotations

from kb.search.analyzer import ensure_jieba, has_han, normalise

# Shorter terms are mostly particles and single letters that match everything.
MIN_TERM_LENGTH = 2


def key_terms(text: str, n: int = 12) -> list[str]:
    """Return up to `n` key terms of the text, most characteristic first (jieba's TF-IDF)."""
    # Imported on first use: jieba.analyse loads its IDF table and tagger (about 0.4 s) on import.
    import jieba.analyse

    ensure_jieba()
    cleaned = normalise(text or "")
    terms: list[str] = []
    for term in jieba.analyse.extract_tags(cleaned, topK=n * 2):
        term = term.strip()
        if len(term) < MIN_TERM_LENGTH or term.isdigit():
            continue
        if not has_han(term) and not term.isalnum():
            continue
        terms.append(term)
        if len(terms) >= n:
            break
    return terms
