"""`kb ingest` killed with SIGKILL at random points, then run to completion, ends where an uninterrupted run ends."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
from sqlmodel import select

from kb.catalog import add_tag, link_customer, upsert_customer, CustomerInput
from kb.config import Settings
from kb.db import dispose_engines, session_scope
from kb.models import Customer, Document, DocumentCustomer, DocumentTag, Tag
from kb.search import open_backend
from tests.conftest import write_docx, write_text

KILLS = 5
SEED = 20240611
RUN_TIMEOUT = 120


def _write_library(root: Path, first: int, last: int) -> None:
    """Write files number first..last-1, cycling through txt, docx and xlsx."""
    for number in range(first, last):
        kind = number % 3
        if kind == 0:
            write_text(root, f"documents/说明{number:02d}.txt", f"第 {number} 份说明：导航雷达巡检记录 编号N{number:02d}")
        elif kind == 1:
            write_docx(root, f"cases/案例{number:02d}.docx", f"改造案例{number:02d}", [f"案例正文 编号N{number:02d}"])
        else:
            book = openpyxl.Workbook()
            book.active.append(["编号", "金额"])
            book.active.append([f"N{number:02d}", number * 100])
            (root / "quotes").mkdir(parents=True, exist_ok=True)
            book.save(root / f"quotes/报价{number:02d}.xlsx")


def _kb(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from kb.cli import main; main()", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def _environment(data: Path, library: Path) -> dict[str, str]:
    return {**os.environ, "KB_DATA_DIR": str(data), "KB_LIBRARY_DIR": str(library)}


def _annotate(settings: Settings) -> None:
    """Tag and link the first documents, as users would between two ingest runs."""
    backend = open_backend(settings)
    try:
        with session_scope(settings) as session:
            customer, _ = upsert_customer(session, backend, "C1", CustomerInput(name="中远海运"), "测试")
            docs = session.exec(select(Document).order_by(Document.path)).all()
            for doc in docs[:6]:
                add_tag(session, backend, doc, "巡检", "测试")
                link_customer(session, backend, doc, customer, "测试")
    finally:
        backend.close()


def _state(settings: Settings) -> dict[str, object]:
    with session_scope(settings) as session:
        documents = sorted((d.path, d.sha256, d.title, d.status, d.version) for d in session.exec(select(Document)))
        tags = sorted(session.exec(
            select(Document.path, Tag.name).join(DocumentTag, DocumentTag.document_id == Document.id)
            .join(Tag, Tag.id == DocumentTag.tag_id)).all())
        links = sorted(session.exec(
            select(Document.path, Customer.name).join(DocumentCustomer, DocumentCustomer.document_id == Document.id)
            .join(Customer, Customer.id == DocumentCustomer.customer_id)).all())
    return {"documents": documents, "tags": tags, "links": links}


def _templates(base: Path) -> tuple[Path, Path]:
    """Write the library before and after a working day: 30 new files, two changed, one moved."""
    before, after = base / "before", base / "after"
    _write_library(before, 0, 10)
    shutil.copytree(before, after)
    _write_library(after, 10, 40)
    write_text(after, "documents/说明00.txt", "改过的说明 编号N00")
    write_text(after, "documents/说明03.txt", "改过的说明 编号N03")
    (after / "cases/归档").mkdir()
    os.replace(after / "cases/案例01.docx", after / "cases/归档/案例01.docx")
    return before, after


def _prepare(base: Path, before: Path, after: Path) -> tuple[Settings, dict[str, str]]:
    """Ingest the first library, tag and link some documents, then switch to the changed library."""
    data, library = base / "data", base / "library"
    settings = Settings(data_dir=data, library_dir=library)
    env = _environment(data, library)
    shutil.copytree(before, library)
    assert _kb(env, "ingest").wait(RUN_TIMEOUT) == 0
    _annotate(settings)
    shutil.rmtree(library)
    shutil.copytree(after, library)
    return settings, env


def test_ingest_killed_repeatedly_matches_clean_run(tmp_path: Path):
    before, after = _templates(tmp_path / "templates")
    clean_settings, clean_env = _prepare(tmp_path / "clean", before, after)
    killed_settings, killed_env = _prepare(tmp_path / "killed", before, after)

    started = time.monotonic()
    clean = _kb(clean_env, "ingest")
    assert clean.wait(RUN_TIMEOUT) == 0, clean.stdout.read() if clean.stdout else ""
    # Kill points spread over the clean run's duration, so they land inside the run however fast it is.
    duration = time.monotonic() - started

    rng = random.Random(SEED)
    kills = 0
    for _ in range(KILLS):
        process = _kb(killed_env, "ingest")
        time.sleep(rng.uniform(0.1, 0.9) * duration)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(RUN_TIMEOUT)
    final = _kb(killed_env, "ingest")
    assert final.wait(RUN_TIMEOUT) == 0, final.stdout.read() if final.stdout else ""

    dispose_engines()
    assert kills >= 1
    clean_state, killed_state = _state(clean_settings), _state(killed_settings)
    assert killed_state["documents"] == clean_state["documents"]
    assert killed_state["tags"] == clean_state["tags"]
    assert killed_state["links"] == clean_state["links"]
    check = _kb(killed_env, "check")
    output = check.communicate(timeout=RUN_TIMEOUT)[0].decode("utf-8", "replace")
    assert check.returncode == 0, output
