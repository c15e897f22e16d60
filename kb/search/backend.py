"""The SearchBackend interface and the plain types that cross it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kb.search.query import ParsedQuery

FACET_FIELDS = ("library", "format", "tag", "customer", "opportunity")


class IndexVersionError(RuntimeError):
    """The index was built by another version of kb's analysis; `kb reindex` rebuilds it."""


@dataclass(frozen=True)
class IndexDocument:
    """Everything a backend indexes for one document."""

    id: int
    library: str
    folder: str
    format: str
    title: str
    content: str
    modified: datetime | None = None
    tags: tuple[str, ...] = ()
    # Customer and opportunity names are scored; their ids are filtered on.
    customer_names: tuple[str, ...] = ()
    customer_ids: tuple[int, ...] = ()
    opportunity_names: tuple[str, ...] = ()
    opportunity_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions applied inside the search, before counting and ranking.

    `allowed_libraries` is the permission filter: None means every library.
    """

    allowed_libraries: frozenset[str] | None = None
    libraries: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    customer_ids: tuple[int, ...] = ()
    opportunity_ids: tuple[int, ...] = ()
    formats: tuple[str, ...] = ()
    folder: str | None = None
    modified_from: datetime | None = None
    modified_to: datetime | None = None


@dataclass(frozen=True)
class SearchRequest:
    query: ParsedQuery
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: str = "relevance"  # or "date"
    offset: int = 0
    limit: int = 10
    facets: bool = False


@dataclass(frozen=True)
class Hit:
    id: int
    score: float


@dataclass(frozen=True)
class SearchResults:
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # True when no document matched every word and the results match only some.
    relaxed: bool = False


class SearchBackend(Protocol):
    """An index of documents that runs ranked, filtered and faceted searches."""

    def upsert(self, documents: Iterable[IndexDocument]) -> None:
        """Add documents, replacing any indexed under the same ids.

        `documents` is consumed once, while the backend holds the lock that serialises
        index writes across processes. A generator that reads the database there
        therefore reads every change committed before this write.
        """

    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def search(self, request: SearchRequest) -> SearchResults:
        """Return hits for one page, the total and, if asked, facet counts."""

    def related(self, document_id: int, text: str, filters: SearchFilters, limit: int = 5) -> Sequence[Hit]:
        """Return documents similar to the given one (whose text is `text`), best first, without it."""

    def indexed_ids(self) -> set[int]:
        """Return the ids of every indexed document."""

    def clear(self) -> None:
        """Remove every document, keeping the index usable."""

    def close(self) -> None:
        """Release files and searchers."""
