"""End-to-end ingestion of a mixed-format library, in its own process: detect, extract, store, index.

Usage: python -m bench.ingest_run LIBRARY DATA_FOLDER  (prints one JSON object)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.child import peak_rss_mb


def ingest(library: Path, data: Path) -> dict[str, object]:
    """Run kb's ingestion pipeline over `library` into an empty data folder; return timings and counts."""
    from sqlalchemy import LargeBinary, func, select

    from kb.config import Settings
    from kb.db import session_scope
    from kb.ingest.pipeline import run_ingest
    from kb.models import Document
    from kb.search import open_backend

    settings = Settings(library_dir=library, data_dir=data, database_url=None, search_backend="whoosh")
    backend = open_backend(settings)
    started = time.perf_counter()
    summary = run_ingest(settings, backend)
    elapsed = time.perf_counter() - started
    with session_scope(settings) as session:
        text_chars = session.execute(select(func.sum(func.length(Document.text)))).scalar() or 0
        # SQLite's length() counts bytes of a blob and characters of text.
        text_bytes = session.execute(select(func.sum(func.length(func.cast(Document.text, LargeBinary))))).scalar() or 0
    backend.close()
    file_bytes = sum(p.stat().st_size for p in library.rglob("*") if p.is_file())
    return {
        "seconds": elapsed, "files": len(summary.added) + len(summary.failed), "added": len(summary.added),
        "failed": len(summary.failed), "file_bytes": file_bytes, "text_chars": text_chars, "text_bytes": text_bytes,
        "peak_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    print(json.dumps(ingest(Path(sys.argv[1]), Path(sys.argv[2]))))
