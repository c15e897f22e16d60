"""Compare the database, the search index and the library folders, and repair differences.

The library folders hold the originals, the database is built from them by ingestion,
and the index is built from the database. A difference means that an ingest or index
step was interrupted or that files changed behind kb's back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

from kb.config import Settings
from kb.db import session_scope
from kb.indexing import rebuild
from kb.ingest.pipeline import IngestSummary, printable_path, relative_key, run_ingest, scan_library, sha256_of
from kb.models import Document, DocumentStatus
from kb.search.backend import SearchBackend

logger = logging.getLogger(__name__)

# Kinds of difference, with the Chinese label shown to the administrator.
KIND_LABELS = {
    "untracked_file": "文件在资料库目录中，但不在数据库里",
    "missing_file": "数据库中有记录，但文件已不在资料库目录中",
    "file_returned": "文件已在资料库目录中，但数据库仍标记为缺失",
    "hash_mismatch": "文件内容与数据库中记录的不一致（文件已被修改）",
    "stale_index": "索引中有该文档，但数据库中没有可检索的对应记录",
    "unindexed": "数据库中有该文档，但索引中没有",
    "invalid_name": "文件名不是有效的 UTF-8 编码，无法导入",
}


@dataclass(frozen=True)
class Difference:
    kind: str
    path: str = ""
    document_id: int | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class CheckReport:
    differences: list[Difference] = field(default_factory=list)
    files: int = 0
    documents: int = 0
    indexed: int = 0

    @property
    def clean(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict[str, object]:
        return {
            "clean": self.clean,
            "files": self.files,
            "documents": self.documents,
            "indexed": self.indexed,
            "differences": [
                {"kind": d.kind, "label": d.label, "path": d.path, "document_id": d.document_id} for d in self.differences
            ],
        }


def _compare_files(root: Path, files: list[Path], documents: dict[str, Document], verify_hashes: bool) -> Iterable[Difference]:
    """Yield differences between the files on disk and the document rows."""
    for path in files:
        rel = relative_key(root, path)
        if printable_path(rel) != rel:
            yield Difference("invalid_name", printable_path(rel))
            continue
        doc = documents.get(rel)
        if doc is None:
            yield Difference("untracked_file", rel)
        elif doc.status == DocumentStatus.MISSING:
            yield Difference("file_returned", rel, doc.id)
        elif verify_hashes and doc.status == DocumentStatus.OK and sha256_of(path) != doc.sha256:
            yield Difference("hash_mismatch", rel, doc.id)

    on_disk = {relative_key(root, path) for path in files}
    for rel, doc in documents.items():
        if doc.status != DocumentStatus.MISSING and rel not in on_disk:
            yield Difference("missing_file", rel, doc.id)


def _compare_index(documents: dict[str, Document], indexed: set[int]) -> Iterable[Difference]:
    """Yield differences between the searchable document rows and the index."""
    searchable = {doc.id: doc for doc in documents.values() if doc.status == DocumentStatus.OK}
    for doc_id in sorted(indexed - set(searchable)):
        yield Difference("stale_index", "", doc_id)
    for doc_id in sorted(set(searchable) - indexed):
        yield Difference("unindexed", searchable[doc_id].path, doc_id)


def check(settings: Settings, backend: SearchBackend, verify_hashes: bool = True) -> CheckReport:
    """Return every difference between the library folders, the database and the index.

    With `verify_hashes` every searchable file is read and hashed, which takes as long as
    reading the whole library once.
    """
    root = settings.library_root
    files = scan_library(root)
    with session_scope(settings) as session:
        documents = {doc.path: doc for doc in session.exec(select(Document))}
    indexed = backend.indexed_ids()

    report = CheckReport(files=len(files), documents=len(documents), indexed=len(indexed))
    report.differences.extend(_compare_files(root, files, documents, verify_hashes))
    report.differences.extend(_compare_index(documents, indexed))
    logger.info("check found %d differences", len(report.differences))
    return report


def repair(settings: Settings, backend: SearchBackend) -> IngestSummary:
    """Rebuild the index from the database, then ingest the library to bring the database in line."""
    logger.info("repair: rebuilding the index from the database")
    with session_scope(settings) as session:
        rebuild(session, backend)
    logger.info("repair: ingesting the library")
    return run_ingest(settings, backend)
