"""Facet counts over Whoosh's multi-value fields, with each segment's document values read once.

Whoosh 2.7's OverlappingCategorizer rebuilds a list of every document's values in a
field, from all the field's postings, at every search. Segments never change once
written, so kb keeps those lists per segment and field until the segment leaves the index.
"""

from __future__ import annotations

import threading

from whoosh import sorting
from whoosh.searching import Searcher


class SegmentValues:
    """Each live segment's list of per-document field values, keyed by segment id and field."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, str], list[list[str]]] = {}
        self._lock = threading.Lock()

    def get(self, segment_id: str, fieldname: str) -> list[list[str]] | None:
        with self._lock:
            return self._lists.get((segment_id, fieldname))

    def put(self, segment_id: str, fieldname: str, lists: list[list[str]]) -> None:
        with self._lock:
            self._lists[(segment_id, fieldname)] = lists

    def keep_only(self, searcher: Searcher) -> None:
        """Forget the values of segments that the searcher's index no longer has."""
        live = {_segment_id(leaf) for leaf in searcher.reader().leaf_readers()}
        with self._lock:
            for key in [key for key in self._lists if key[0] not in live]:
                del self._lists[key]


def _segment_id(leaf: tuple[object, int] | object) -> str | None:
    reader = leaf[0] if isinstance(leaf, tuple) else leaf
    get_segment = getattr(reader, "segment", None)
    segment = get_segment() if callable(get_segment) else None
    return segment.segment_id() if segment is not None else None


class _CachedOverlappingCategorizer(sorting.OverlappingCategorizer):
    def __init__(self, global_searcher: Searcher, fieldname: str, values: SegmentValues) -> None:
        super().__init__(global_searcher, fieldname)
        self._values = values

    def set_searcher(self, segment_searcher: Searcher, docoffset: int) -> None:
        segment_id = _segment_id(segment_searcher.reader())
        if self._use_vectors or self._use_column or segment_id is None:
            super().set_searcher(segment_searcher, docoffset)
            return
        lists = self._values.get(segment_id, self._fieldname)
        if lists is None:
            super().set_searcher(segment_searcher, docoffset)
            self._values.put(segment_id, self._fieldname, self._lists)
        else:
            self._segment_searcher = segment_searcher
            self._lists = lists


class CachedOverlappingFacet(sorting.FieldFacet):
    """A count facet over a multi-value field that reuses each segment's document values."""

    def __init__(self, fieldname: str, values: SegmentValues) -> None:
        super().__init__(fieldname, allow_overlap=True, maptype=sorting.Count)
        self._values = values

    def categorizer(self, global_searcher: Searcher) -> sorting.Categorizer:
        return _CachedOverlappingCategorizer(global_searcher, self.fieldname, self._values)
