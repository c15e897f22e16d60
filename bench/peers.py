"""Peer engines measured beside kb: each indexes the same documents and runs the same queries.

- whoosh-jieba: Whoosh with `jieba.analyse.ChineseAnalyzer()` on title and content,
  queried through `MultifieldParser` (AND group), with Whoosh's highlights and a
  library facet. It is what a quick script over Whoosh and jieba would build.
- sqlite-fts5: SQLite FTS5 (unicode61 tokenizer) over text segmented by `jieba.cut`
  and joined with spaces; bm25 order, `snippet()` and a GROUP BY for the library facet.
- tantivy: tantivy-py with the whitespace tokenizer over the same segmented text;
  its snippet generator and a terms aggregation on the library field.
- tantivy-rjieba: the same, with text segmented by rjieba (jieba in Rust): the
  fastest plain pairing of Tantivy and jieba's dictionary from Python.

Every peer runs in a process where jieba has only its own dictionary.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.corpus import BenchDocument

PEERS = ("whoosh-jieba", "sqlite-fts5", "tantivy", "tantivy-rjieba")
_WORD_RE = re.compile(r"\w")


def tantivy_available() -> bool:
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


def rjieba_available() -> bool:
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return False
    return True


def _jieba():  # type: ignore[no-untyped-def]
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment(text: str) -> str:
    """Return `text` as lower-case jieba words joined by spaces, without punctuation."""
    import jieba

    return " ".join(w for w in jieba.cut(text.lower()) if _WORD_RE.search(w))


def segment_rjieba(text: str) -> str:
    """Return `text` as lower-case rjieba words joined by spaces, without punctuation."""
    import rjieba

    return " ".join(w for w in rjieba.cut(text.lower()) if _WORD_RE.search(w))


def query_words(query: str, cut: Callable[[str], str] = segment) -> list[str]:
    words = cut(query.replace('"', " ").replace(" OR ", " ")).split()
    return [w for w in words if not w.startswith("-")]


class Peer:
    """One engine: `analyse` segments only, `index` builds the index, `search` runs one query."""

    name = ""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        _jieba()

    def prepare(self, docs: Sequence[BenchDocument]) -> None:
        """Do the untimed set-up before analysis; peers need none."""

    def analyse(self, docs: Sequence[BenchDocument]) -> None:
        for doc in docs:
            segment(doc.title)
            segment(doc.content)

    def index(self, docs: Sequence[BenchDocument]) -> None:
        raise NotImplementedError

    def search(self, query: str) -> int:
        """Return the number of snippets made for the top 10 hits."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the index."""


class WhooshJieba(Peer):
    name = "whoosh-jieba"

    def analyse(self, docs: Sequence[BenchDocument]) -> None:
        from jieba.analyse import ChineseAnalyzer

        analyzer = ChineseAnalyzer()
        for doc in docs:
            for text in (doc.title, doc.content):
                for _token in analyzer(text):
                    pass

    def index(self, docs: Sequence[BenchDocument]) -> None:
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema

        analyzer = ChineseAnalyzer()
        schema = Schema(
            id=ID(stored=True, unique=True),
            library=ID(stored=True, sortable=True),
            title=TEXT(analyzer=analyzer, stored=True),
            content=TEXT(analyzer=analyzer, stored=True),
        )
        ix = index.create_in(str(self.folder), schema)
        writer = ix.writer()
        for doc in docs:
            writer.add_document(id=str(doc.id), library=doc.library, title=doc.title, content=doc.content)
        writer.commit()
        self._open(ix)

    def _open(self, ix) -> None:  # type: ignore[no-untyped-def]
        from whoosh import highlight
        from whoosh.qparser import MultifieldParser

        self.parser = MultifieldParser(["title", "content"], ix.schema)
        self.searcher = ix.searcher()
        self.formatter = highlight.HtmlFormatter(tagname="mark")

    def search(self, query: str) -> int:
        from whoosh import sorting

        results = self.searcher.search(
            self.parser.parse(query), limit=10, groupedby={"library": sorting.FieldFacet("library", maptype=sorting.Count)}
        )
        results.formatter = self.formatter
        results.groups("library")
        return sum(1 for hit in results[:10] if hit.highlights("content") is not None)

    def close(self) -> None:
        self.searcher.close()


class SqliteFts5(Peer):
    name = "sqlite-fts5"

    def index(self, docs: Sequence[BenchDocument]) -> None:
        self.db = sqlite3.connect(str(self.folder / "fts.sqlite3"))
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, content, library UNINDEXED, tokenize='unicode61')")
        rows = ((segment(d.title), segment(d.content), d.library) for d in docs)
        self.db.executemany("INSERT INTO docs (title, content, library) VALUES (?, ?, ?)", rows)
        self.db.commit()

    def search(self, query: str) -> int:
        words = query_words(query)
        if not words:
            return 0
        match = " AND ".join('"' + w.replace('"', "") + '"' for w in words)
        hits = self.db.execute(
            "SELECT rowid, snippet(docs, 1, '<mark>', '</mark>', '…', 24) FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10",
            (match,),
        ).fetchall()
        self.db.execute("SELECT library, count(*) FROM docs WHERE docs MATCH ? GROUP BY library", (match,)).fetchall()
        return len(hits)

    def close(self) -> None:
        self.db.close()


class Tantivy(Peer):
    name = "tantivy"
    cut = staticmethod(segment)

    def analyse(self, docs: Sequence[BenchDocument]) -> None:
        for doc in docs:
            self.cut(doc.title)
            self.cut(doc.content)

    def index(self, docs: Sequence[BenchDocument]) -> None:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("title", stored=True, tokenizer_name="whitespace")
        builder.add_text_field("content", stored=True, tokenizer_name="whitespace")
        builder.add_text_field("library", stored=True, fast=True, tokenizer_name="raw")
        self.schema = builder.build()
        self.ix = tantivy.Index(self.schema, path=str(self.folder))
        writer = self.ix.writer()
        for doc in docs:
            writer.add_document(tantivy.Document(title=self.cut(doc.title), content=self.cut(doc.content), library=doc.library))
        writer.commit()
        writer.wait_merging_threads()
        self.ix.reload()
        self.searcher = self.ix.searcher()

    def search(self, query: str) -> int:
        import tantivy

        words = query_words(query, self.cut)
        if not words:
            return 0
        text = " AND ".join('"' + w.replace('"', "") + '"' for w in words)
        parsed = self.ix.parse_query(text, ["title", "content"])
        result = self.searcher.search(parsed, limit=10)
        generator = tantivy.SnippetGenerator.create(self.searcher, parsed, self.schema, "content")
        snippets = [generator.snippet_from_doc(self.searcher.doc(address)).to_html() for _score, address in result.hits]
        self.searcher.aggregate(parsed, {"library": {"terms": {"field": "library"}}})
        return len(snippets)


class TantivyRjieba(Tantivy):
    name = "tantivy-rjieba"
    cut = staticmethod(segment_rjieba)

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        import rjieba

        rjieba.cut("预热")  # load rjieba's dictionary before the timed analysis, as jieba's is


def make_peer(name: str, folder: Path) -> Peer:
    classes: dict[str, Callable[[Path], Peer]] = {
        "whoosh-jieba": WhooshJieba, "sqlite-fts5": SqliteFts5, "tantivy": Tantivy, "tantivy-rjieba": TantivyRjieba,
    }
    return classes[name](folder)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started
