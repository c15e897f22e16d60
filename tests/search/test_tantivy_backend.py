"""What only the Tantivy backend does: its version file, its writer lock across processes, recreate."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("tantivy", reason="tantivy is not installed: pip install -e '.[tantivy]'")

from kb.search.backend import IndexDocument, IndexVersionError  # noqa: E402
from kb.search.tantivy_backend import VERSION_FILE, TantivyBackend  # noqa: E402

DOC = IndexDocument(1, "quotes", "", "txt", "雷达维修报价单", "年度维修报价。")

# Holds the index writer in another process until its stdin closes.
HOLD_WRITER = textwrap.dedent("""
    import sys, tantivy
    index = tantivy.Index.open(sys.argv[1])
    writer = index.writer(15_000_000, 1)
    print("locked", flush=True)
    sys.stdin.read()
""")


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "tantivy"


def test_version_mismatch_raises(index_dir):
    TantivyBackend(index_dir).close()
    (index_dir / VERSION_FILE).write_text(json.dumps({"version": 0}), encoding="utf-8")
    with pytest.raises(IndexVersionError):
        TantivyBackend(index_dir)


def test_missing_version_file_raises(index_dir):
    TantivyBackend(index_dir).close()
    (index_dir / VERSION_FILE).unlink()
    with pytest.raises(IndexVersionError):
        TantivyBackend(index_dir)


def test_write_waits_for_other_process_writer(index_dir):
    backend = TantivyBackend(index_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(index_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    release = threading.Timer(1.0, holder.stdin.close)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        release.start()
        backend.upsert([DOC])
        waited = time.monotonic() - started
    finally:
        release.join()
        holder.wait(timeout=30)
    assert waited >= 1.0
    assert backend.indexed_ids() == {1}


def test_other_process_write_visible_at_once(index_dir):
    reader = TantivyBackend(index_dir)
    writer = TantivyBackend(index_dir)
    writer.upsert([DOC])
    assert reader.indexed_ids() == {1}


def test_recreate_empties_index(settings):
    backend = TantivyBackend.open(settings)
    backend.upsert([DOC])
    backend.close()
    fresh = TantivyBackend.recreate(settings)
    assert fresh.indexed_ids() == set()
    fresh.upsert([DOC])
    assert fresh.indexed_ids() == {1}
