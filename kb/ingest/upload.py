"""Uploaded files: checked, written to their library folder atomically, then ingested."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlmodel import Session, select

from kb.ingest.detect import detect_format
from kb.ingest.pipeline import ingest_file
from kb.ingest.types import ExtractionError
from kb.libraries import BY_KEY
from kb.models import Document, DocumentStatus

logger = logging.getLogger(__name__)

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_FORBIDDEN_RE = re.compile(r'[<>:"|?*]')
MAX_NAME_BYTES = 200


class UploadRejected(Exception):
    """An upload that kb does not store; `reason` is a Chinese message that tells the user what to do."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class UploadResult:
    document_id: int
    filename: str
    path: str
    # Set when an identical file was already in the library: that document's id.
    duplicate_of: int | None = None


def safe_filename(raw: str | None, fallback_suffix: str = "") -> str:
    """Reduce a client's file name to a plain name: no folders, no control characters, bounded length."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = _FORBIDDEN_RE.sub("_", _CONTROL_RE.sub("", name)).strip().strip(".")
    if not name or name in (".", ".."):
        name = f"上传文件_{datetime.now():%Y%m%d%H%M%S}{fallback_suffix}"
    stem, suffix = os.path.splitext(name)
    while len(name.encode("utf-8")) > MAX_NAME_BYTES and stem:
        stem = stem[:-1]
        name = stem + suffix
    return name


def safe_folder(raw: str | None) -> str:
    """Return a relative sub-folder made of safe names, or '' for the library's top level."""
    parts = [safe_filename(p) for p in PurePosixPath((raw or "").replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    return "/".join(parts)


def _unique_target(folder: Path, name: str) -> Path:
    stem, suffix = os.path.splitext(name)
    candidate = folder / name
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem} ({number}){suffix}"
        number += 1
    return candidate


def _write_temp(folder: Path, suffix: str, data: bytes) -> Path:
    # A leading dot keeps the library scanner away from a half-written file.
    handle, temp_name = tempfile.mkstemp(prefix=".kb-upload-", suffix=suffix, dir=folder)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return Path(temp_name)


def _publish(temp: Path, folder: Path, name: str) -> Path:
    """Give the temporary file its final name without ever replacing another file."""
    for _ in range(100):
        target = _unique_target(folder, name)
        try:
            os.link(temp, target)
        except FileExistsError:
            continue
        temp.unlink()
        return target
    raise UploadRejected("name_conflict", f"无法为文件 {name} 找到可用的文件名，请重命名后再上传。")


def find_duplicate(session: Session, sha: str, allowed: frozenset[str]) -> Document | None:
    return session.exec(
        select(Document).where(
            Document.sha256 == sha, Document.status == DocumentStatus.OK, Document.library.in_(sorted(allowed))  # type: ignore[attr-defined]
        )
    ).first()


def store_upload(
    session: Session,
    library_root: Path,
    library: str,
    filename: str,
    data: bytes,
    allowed: frozenset[str],
    max_bytes: int,
    folder: str = "",
) -> UploadResult:
    """Store and ingest one uploaded file; the caller commits, indexes and audits."""
    if library not in BY_KEY or library not in allowed:
        raise UploadRejected("invalid_library", f"无法上传到资料库：{library}")
    if not data:
        raise UploadRejected("empty_file", f"文件为空：{filename}")
    if len(data) > max_bytes:
        raise UploadRejected("file_too_large", f"文件过大：{filename}（上限 {max_bytes // (1024 * 1024)} MB）")
    name = safe_filename(filename)
    sha = hashlib.sha256(data).hexdigest()
    duplicate = find_duplicate(session, sha, allowed)
    if duplicate is not None and duplicate.id is not None:
        return UploadResult(duplicate.id, duplicate.filename, duplicate.path, duplicate_of=duplicate.id)

    target_dir = library_root / library / safe_folder(folder)
    target_dir.mkdir(parents=True, exist_ok=True)
    if not target_dir.resolve().is_relative_to(library_root.resolve()):
        raise UploadRejected("invalid_folder", f"无效的目录：{folder}")
    temp = _write_temp(target_dir, Path(name).suffix, data)
    try:
        detect_format(temp)
    except ExtractionError as exc:
        temp.unlink(missing_ok=True)
        raise UploadRejected("unsupported_format", f"{name}：{exc.reason}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    target = _publish(temp, target_dir, name)
    outcome = ingest_file(session, library_root, target)
    if outcome.action == "failed" or outcome.document_id is None:
        target.unlink(missing_ok=True)
        raise UploadRejected("unreadable_file", f"{name}：{outcome.reason or '无法读取文件内容'}")
    logger.info("stored upload %s as document %s", outcome.path, outcome.document_id)
    return UploadResult(outcome.document_id, target.name, outcome.path)
