"""A bounded cache of recent search results, valid for one index generation.

The generation is passed with every lookup. Callers put everything else that decides
a result into the key: the engine query, which reflects the user dictionary and
synonyms in force, the permission filter and every other filter, the sort, the page
and whether facets were requested. A lookup with a new generation empties the cache,
so a result computed before a write is never returned after it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")

DEFAULT_MAX_ENTRIES = 256


class ResultCache(Generic[Value]):
    """LRU map from a hashable key to a result, emptied when the index generation changes."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Value] = OrderedDict()
        self._generation: object = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _switch(self, generation: object) -> None:
        if generation != self._generation:
            self._entries.clear()
            self._generation = generation

    def get(self, generation: object, key: Hashable) -> Value | None:
        with self._lock:
            self._switch(generation)
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, generation: object, key: Hashable, value: Value) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            self._switch(generation)
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
