"""The one ingestion pipeline: library files to document rows and index entries.

Steps for each file: hash it, skip it if unchanged, recognise a move by its hash,
extract text and metadata, store the row in one transaction, then index it. The
database commits before the index is touched, so the index can always be rebuilt
from the database and the files. Hashing and extraction run ahead in parallel
(kb.ingest.prefetch); storing stays in order, in one session.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from sqlmodel import Session, select

from kb.config import Settings
from kb.db import session_scope
from kb.indexing import reindex_documents
from kb.ingest.prefetch import Prefetched, Snapshot, prefetch, sha256_of
from kb.ingest.sandbox import extract_file, parallelism
from kb.ingest.types import ExtractedDocument, ExtractionError
from kb.libraries import KEYS
from kb.models import Document, DocumentStatus, DocumentVersion, as_utc, utcnow
from kb.search.backend import SearchBackend

logger = logging.getLogger(__name__)

# Office lock files and editor leftovers that are never documents.
_IGNORED_PREFIXES = ("~$", ".~lock", ".")
_IGNORED_SUFFIXES = (".tmp", ".part", ".swp", ".crdownload")
COMMIT_EVERY = 20

CHANGED_WHILE_READING_REASON = "文件在读取过程中被修改，本次没有保存读取结果，下次导入时会重新读取。"
INVALID_NAME_REASON = (
    "文件名不是有效的 UTF-8 编码（可能是在其他系统上用 GBK 等编码保存的），无法导入。"
    "请在服务器上把文件重命名后重新导入。"
)


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "moved": len(self.moved),
            "unchanged": len(self.unchanged),
            "missing": len(self.missing),
            "failed": len(self.failed),
            "failures": [{"path": p, "reason": r} for p, r in self.failed],
        }


@dataclass(frozen=True)
class FileOutcome:
    """The result of ingesting one file; `action` is added, updated, moved, unchanged or failed."""

    action: str
    path: str
    document_id: int | None = None
    reason: str | None = None


def _is_ignored(name: str) -> bool:
    return name.startswith(_IGNORED_PREFIXES) or name.lower().endswith(_IGNORED_SUFFIXES)


def scan_library(root: Path) -> list[Path]:
    """List the files of the seven library folders, sorted, without leaving the root."""
    files: list[Path] = []
    real_root = root.resolve()
    for key in KEYS:
        base = root / key
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if _is_ignored(name) or not path.is_file():
                    continue
                if not path.resolve().is_relative_to(real_root):
                    logger.warning("skipping %s: symbolic link leaves the library root", path)
                    continue
                files.append(path)
    return files


def relative_key(root: Path, path: Path) -> str:
    return PurePosixPath(path.relative_to(root).as_posix()).as_posix()


def _place(rel: str) -> tuple[str, str, str]:
    """Split `quotes/华东区/a.xlsx` into library, folder and file name."""
    parts = rel.split("/")
    return parts[0], "/".join(parts[1:-1]), parts[-1]


def _apply_extracted(doc: Document, extracted: ExtractedDocument, stem: str, mtime: float) -> None:
    doc.format = extracted.format
    doc.text = extracted.text
    doc.title = (extracted.title or "").strip() or stem
    doc.author = extracted.author
    doc.created = as_utc(extracted.created)
    doc.modified = as_utc(extracted.modified) or datetime.fromtimestamp(mtime, tz=timezone.utc)
    doc.pages = extracted.pages
    doc.needs_ocr = extracted.needs_ocr
    doc.notes = "\n".join(extracted.notes)
    doc.status = DocumentStatus.OK
    doc.error = None


def _record_version(session: Session, doc: Document) -> None:
    assert doc.id is not None
    session.add(
        DocumentVersion(
            document_id=doc.id, version=doc.version, path=doc.path, sha256=doc.sha256, size=doc.size, mtime=doc.mtime
        )
    )


def _find_moved(session: Session, sha: str, seen: set[str], root: Path) -> Document | None:
    """Return a document with this content whose file is gone from its old path."""
    for candidate in session.exec(select(Document).where(Document.sha256 == sha)):
        if candidate.path in seen:
            continue
        if candidate.status == DocumentStatus.MISSING or not (root / candidate.path).exists():
            return candidate
    return None


def ingest_file(
    session: Session, root: Path, path: Path, seen: set[str] | None = None, prefetched: Prefetched | None = None
) -> FileOutcome:
    """Bring one library file into the database; the caller commits and indexes.

    `prefetched` contains the file's hash, and its extraction when it was extracted ahead.
    """
    rel = relative_key(root, path)
    library, folder, filename = _place(rel)
    stat = path.stat()
    sha = prefetched.sha if prefetched is not None else sha256_of(path)
    doc = session.exec(select(Document).where(Document.path == rel)).first()
    if doc is not None and doc.sha256 == sha and doc.status == DocumentStatus.OK:
        return FileOutcome("unchanged", rel, doc.id)

    if doc is None:
        moved = _find_moved(session, sha, seen or set(), root)
        if moved is not None and moved.status != DocumentStatus.FAILED:
            logger.info("moved %s -> %s", moved.path, rel)
            moved.path, moved.library, moved.folder, moved.filename = rel, library, folder, filename
            moved.status, moved.mtime, moved.updated_at = DocumentStatus.OK, stat.st_mtime, utcnow()
            session.add(moved)
            return FileOutcome("moved", rel, moved.id)

    try:
        extracted = prefetched.result() if prefetched is not None and prefetched.was_extracted else extract_file(path)
    except ExtractionError as exc:
        return _record_failure(session, doc, rel, library, folder, filename, sha, stat, exc.reason)

    # Text read from a file that was being written belongs to no version of it. An
    # empty hash on the failure row makes the next run read the file again.
    if sha256_of(path) != sha:
        return _record_failure(session, doc, rel, library, folder, filename, "", stat, CHANGED_WHILE_READING_REASON)

    action = "added" if doc is None else "updated"
    if doc is None:
        doc = Document(path=rel, library=library, folder=folder, filename=filename)
    elif doc.sha256 != sha and doc.status != DocumentStatus.FAILED:
        doc.version += 1
    doc.sha256, doc.size, doc.mtime, doc.updated_at = sha, stat.st_size, stat.st_mtime, utcnow()
    _apply_extracted(doc, extracted, Path(filename).stem, stat.st_mtime)
    session.add(doc)
    session.flush()
    _record_version(session, doc)
    logger.info("%s %s (document %s)", action, rel, doc.id)
    return FileOutcome(action, rel, doc.id)


def _record_failure(
    session: Session,
    doc: Document | None,
    rel: str,
    library: str,
    folder: str,
    filename: str,
    sha: str,
    stat: os.stat_result,
    reason: str,
) -> FileOutcome:
    logger.warning("cannot read %s: %s", rel, reason)
    if doc is None:
        doc = Document(path=rel, library=library, folder=folder, filename=filename, title=Path(filename).stem)
        doc.status = DocumentStatus.FAILED
        doc.sha256, doc.size, doc.mtime = sha, stat.st_size, stat.st_mtime
    elif doc.status != DocumentStatus.OK:
        doc.status = DocumentStatus.FAILED
        doc.sha256, doc.size, doc.mtime = sha, stat.st_size, stat.st_mtime
    # A document that was readable before keeps its last good text and hash, so it
    # stays searchable and the changed file is tried again on the next run.
    doc.error = reason
    doc.updated_at = utcnow()
    session.add(doc)
    session.flush()
    return FileOutcome("failed", rel, doc.id, reason)


def _mark_missing(session: Session, seen: set[str]) -> list[Document]:
    gone = []
    for doc in session.exec(select(Document).where(Document.status != DocumentStatus.MISSING)):
        if doc.path not in seen:
            doc.status = DocumentStatus.MISSING
            doc.updated_at = utcnow()
            session.add(doc)
            gone.append(doc)
    return gone


def _count(summary: IngestSummary, outcome: FileOutcome) -> None:
    if outcome.action == "failed":
        summary.failed.append((outcome.path, outcome.reason or ""))
    else:
        getattr(summary, outcome.action).append(outcome.path)


def run_ingest(
    settings: Settings,
    backend: SearchBackend,
    progress: Callable[[list[Path]], Iterable[Path]] | None = None,
) -> IngestSummary:
    """Ingest every file of the library root; one bad file never stops the run."""
    root = settings.library_root
    files = scan_library(root)
    seen = {relative_key(root, p) for p in files}
    summary = IngestSummary()
    pending: list[int] = []
    iterator: Iterable[Path] = progress(files) if progress else files
    with session_scope(settings) as session:
        ahead = prefetch(((p, relative_key(root, p)) for p in iterator), _snapshot(session), parallelism())
        for path, future in ahead:
            outcome = _ingest_one(session, root, path, seen, future)
            _count(summary, outcome)
            if outcome.action in ("added", "updated", "moved") and outcome.document_id is not None:
                pending.append(outcome.document_id)
            if len(pending) >= COMMIT_EVERY:
                _flush(session, backend, pending)
        gone = _mark_missing(session, seen)
        summary.missing.extend(d.path for d in gone)
        pending.extend(d.id for d in gone if d.id is not None)
        _flush(session, backend, pending)
        _reconcile_index(session, backend)
    return summary


def _snapshot(session: Session) -> Snapshot:
    rows = session.exec(select(Document.path, Document.sha256, Document.status)).all()
    return Snapshot(
        sha_by_path={path: sha for path, sha, status in rows if status == DocumentStatus.OK},
        known_shas=frozenset(sha for _path, sha, _status in rows if sha),
    )


def _reconcile_index(session: Session, backend: SearchBackend) -> None:
    """Index documents that an interrupted run committed but never indexed, and drop stale entries."""
    wanted = {int(i) for i in session.exec(select(Document.id).where(Document.status == DocumentStatus.OK)).all()}
    indexed = backend.indexed_ids()
    differing = (wanted - indexed) | (indexed - wanted)
    if differing:
        logger.warning("index differs from the database for %d documents; reindexing them", len(differing))
        reindex_documents(session, backend, sorted(differing))


def printable_path(rel: str) -> str:
    """Return `rel` with bytes that are not UTF-8 (kept by Python as surrogates) shown as U+FFFD."""
    return os.fsencode(rel).decode("utf-8", "replace")


def _ingest_one(session: Session, root: Path, path: Path, seen: set[str], ahead: Future[Prefetched]) -> FileOutcome:
    rel = relative_key(root, path)
    if printable_path(rel) != rel:
        logger.warning("cannot ingest %s: file name is not valid UTF-8", printable_path(rel))
        return FileOutcome("failed", printable_path(rel), None, INVALID_NAME_REASON)
    try:
        prefetched = ahead.result()
        with session.begin_nested():
            return ingest_file(session, root, path, seen, prefetched)
    except OSError as exc:
        logger.warning("cannot open %s: %s", rel, exc)
        return FileOutcome("failed", rel, None, f"无法读取文件：{exc.strerror or exc}")
    except Exception:  # noqa: BLE001 - one bad file must not stop the run
        logger.exception("unexpected error while ingesting %s", rel)
        return FileOutcome("failed", rel, None, "处理该文件时发生内部错误，详见日志")


def _flush(session: Session, backend: SearchBackend, pending: list[int]) -> None:
    """Commit the database, then bring the index in line with it."""
    session.commit()
    if pending:
        reindex_documents(session, backend, list(dict.fromkeys(pending)))
        pending.clear()


def iter_failures(session: Session) -> Iterator[Document]:
    yield from session.exec(select(Document).where(Document.status == DocumentStatus.FAILED).order_by(Document.path))
