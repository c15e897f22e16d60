"""Search: the only package that imports an index engine or jieba."""

from __future__ import annotations

from kb.config import Settings
from kb.search.backend import SearchBackend


def _backend_class(settings: Settings):  # type: ignore[no-untyped-def]
    name = settings.search_backend
    if name == "whoosh":
        from kb.search.whoosh_backend import WhooshBackend

        return WhooshBackend
    if name == "tantivy":
        from kb.search.tantivy_backend import TantivyBackend

        return TantivyBackend
    if name == "postgres":
        from kb.search.postgres_backend import PostgresBackend

        return PostgresBackend
    raise ValueError(f"unknown search backend {name!r}")


def open_backend(settings: Settings) -> SearchBackend:
    """Open the configured search backend, creating an empty index on first use."""
    from kb.search import lexicon

    lexicon.configure(settings.data_root)
    return _backend_class(settings).open(settings)


def recreate_backend(settings: Settings) -> SearchBackend:
    """Return the configured backend over a new, empty index."""
    from kb.search import lexicon

    lexicon.configure(settings.data_root)
    return _backend_class(settings).recreate(settings)
