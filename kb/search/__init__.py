"""Search: the only package that knows an index engine or jieba exists."""

from __future__ import annotations

from kb.config import Settings
from kb.search.backend import SearchBackend


def open_backend(settings: Settings) -> SearchBackend:
    """Open the configured search backend, creating an empty index on first use."""
    from kb.search import lexicon

    lexicon.configure(settings.data_root)
    if settings.search_backend == "whoosh":
        from kb.search.whoosh_backend import WhooshBackend

        return WhooshBackend(settings.index_dir)
    raise ValueError(f"unknown search backend {settings.search_backend!r}")


def recreate_backend(settings: Settings) -> SearchBackend:
    """Return the configured backend over a new, empty index."""
    from kb.search import lexicon

    lexicon.configure(settings.data_root)
    if settings.search_backend == "whoosh":
        from kb.search.whoosh_backend import WhooshBackend

        return WhooshBackend.recreate(settings.index_dir)
    raise ValueError(f"unknown search backend {settings.search_backend!r}")
