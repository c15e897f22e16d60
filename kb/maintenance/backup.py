"""Back up and restore a kb installation as one .tar.gz file.

The archive contains a manifest (manifest.json), a consistent copy of the SQLite
database made with SQLite's online backup API (safe while the server runs), the
originals of the seven library folders, and the dictionary and synonym files of the
data folder when they exist. The index is not backed up: restore rebuilds it.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from sqlalchemy.engine import make_url

from kb.config import Settings
from kb.libraries import KEYS

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_MEMBER = "database/kb.sqlite3"
LIBRARY_PREFIX = "library/"
DATA_PREFIX = "data/"
# Files of the data folder that administrators edit by hand, so they are worth keeping.
DATA_FILES = ("dictionary.txt", "synonyms.txt")
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Chinese and names the next step."""


@dataclass(frozen=True)
class RestoreResult:
    documents_indexed: int
    files_written: int
    files_kept: int


def sqlite_path(settings: Settings) -> Path:
    """Return the SQLite database file, or raise BackupError for another database."""
    url = make_url(settings.sqlalchemy_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            f"kb backup 只支持 SQLite 数据库，当前 KB_DATABASE_URL 是 {url.get_backend_name()}。"
            "请用数据库自带的工具（如 pg_dump）备份数据库，并单独备份资料库目录。"
        )
    return Path(url.database)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_database(source: Path, target: Path) -> None:
    """Copy the live database page by page; readers and writers may keep working meanwhile."""
    if not source.is_file():
        raise BackupError(f"数据库文件不存在：{source}。请先运行 kb ingest 或检查 KB_DATA_DIR。")
    src = sqlite3.connect(str(source), timeout=30)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _library_files(root: Path) -> list[tuple[str, Path]]:
    """List (relative path, file) for every regular file of the library folders, not following links."""
    files = []
    for key in KEYS:
        base = root / key
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if path.is_file() and not path.is_symlink():
                    files.append((path.relative_to(root).as_posix(), path))
    return files


def create_backup(settings: Settings, target: Path) -> dict[str, object]:
    """Write a backup of the database, the library originals and the data files to `target`; return its manifest."""
    if not target.name.endswith((".tar.gz", ".tgz")):
        raise BackupError(f"备份文件名必须以 .tar.gz 或 .tgz 结尾：{target}")
    database = sqlite_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kb-backup-") as workdir:
        db_copy = Path(workdir) / "kb.sqlite3"
        _copy_database(database, db_copy)
        members: list[tuple[str, Path]] = [(DATABASE_MEMBER, db_copy)]
        members += [(LIBRARY_PREFIX + rel, path) for rel, path in _library_files(settings.library_root)]
        members += [(DATA_PREFIX + name, settings.data_root / name) for name in DATA_FILES if (settings.data_root / name).is_file()]
        manifest = _write_archive(target, members)
    logger.info("backup written to %s (%d files)", target, len(manifest["files"]))  # type: ignore[arg-type]
    return manifest


def _write_archive(target: Path, members: list[tuple[str, Path]]) -> dict[str, object]:
    """Write the members and a manifest with their hashes; the archive appears only when complete."""
    handle, temp_name = tempfile.mkstemp(prefix=".kb-backup-", suffix=".tar.gz", dir=target.parent)
    os.close(handle)
    try:
        entries = []
        with tarfile.open(temp_name, "w:gz") as archive:
            for name, path in members:
                entries.append({"name": name, "sha256": _sha256_file(path), "size": path.stat().st_size})
                archive.add(str(path), arcname=name, recursive=False)
            manifest: dict[str, object] = {
                "format": FORMAT_VERSION,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "files": entries,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size = len(data)
            info.mtime = int(datetime.now(timezone.utc).timestamp())
            archive.addfile(info, io.BytesIO(data))
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return manifest


# -- restore ------------------------------------------------------------------------


def _read_manifest(archive: tarfile.TarFile, source: Path) -> list[dict[str, object]]:
    try:
        member = archive.extractfile(MANIFEST_NAME)
        assert member is not None
        manifest = json.loads(member.read().decode("utf-8"))
    except (KeyError, AssertionError, ValueError) as error:
        raise BackupError(f"{source} 不是 kb 备份文件（缺少或无法读取 {MANIFEST_NAME}）。") from error
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format')} 与当前程序（{FORMAT_VERSION}）不一致，无法恢复。")
    entries = manifest.get("files", [])
    for entry in entries:
        _check_member_name(str(entry["name"]), source)
    return entries  # type: ignore[no-any-return]


def _check_member_name(name: str, source: Path) -> None:
    """Reject names that would write outside the data or library folders."""
    parts = PurePosixPath(name).parts
    safe = not name.startswith("/") and ".." not in parts and "\\" not in name
    if name == DATABASE_MEMBER or (name.startswith(DATA_PREFIX) and name[len(DATA_PREFIX):] in DATA_FILES):
        return
    if safe and name.startswith(LIBRARY_PREFIX) and len(parts) >= 3 and parts[1] in KEYS:
        return
    raise BackupError(f"备份文件 {source} 中含有不允许的路径：{name}，已停止恢复。")


def _target_of(settings: Settings, name: str) -> Path:
    if name == DATABASE_MEMBER:
        return sqlite_path(settings)
    if name.startswith(DATA_PREFIX):
        return settings.data_root / name[len(DATA_PREFIX):]
    return settings.library_root / name[len(LIBRARY_PREFIX):]


def _check_data_folder_empty(settings: Settings) -> None:
    data = settings.data_root
    if data.exists() and any(data.iterdir()):
        raise BackupError(f"数据目录不是空的：{data}。恢复只能写入空的数据目录，请指定新的 KB_DATA_DIR 或先移走其中的文件。")
    database = sqlite_path(settings)
    if database.exists():
        raise BackupError(f"数据库文件已存在：{database}。恢复不会覆盖已有数据库，请先移走它。")


def _library_conflicts(settings: Settings, entries: list[dict[str, object]]) -> tuple[list[str], set[str]]:
    """Return library files that exist with other content, and those that already match."""
    conflicts, same = [], set()
    for entry in entries:
        name = str(entry["name"])
        if not name.startswith(LIBRARY_PREFIX):
            continue
        target = _target_of(settings, name)
        if target.exists():
            if target.is_file() and _sha256_file(target) == entry["sha256"]:
                same.add(name)
            else:
                conflicts.append(name[len(LIBRARY_PREFIX):])
    return conflicts, same


def _extract_member(archive: tarfile.TarFile, entry: dict[str, object], target: Path, source: Path) -> None:
    """Write one member to `target` through a temporary file, checking its hash before the rename."""
    name = str(entry["name"])
    stream = archive.extractfile(name)
    if stream is None:
        raise BackupError(f"备份文件 {source} 中缺少 {name}，已停止恢复。")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".kb-restore-", dir=target.parent)
    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"备份文件 {source} 中的 {name} 已损坏（校验值不符），已停止恢复。")
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def restore_backup(settings: Settings, source: Path, force: bool = False) -> RestoreResult:
    """Restore a backup into an empty data folder and the library folder, then rebuild the index."""
    _check_data_folder_empty(settings)
    try:
        archive = tarfile.open(source, "r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"无法打开备份文件 {source}：{error}") from error
    with archive:
        entries = _read_manifest(archive, source)
        conflicts, same = _library_conflicts(settings, entries)
        if conflicts and not force:
            shown = "、".join(conflicts[:5]) + (" 等" if len(conflicts) > 5 else "")
            raise BackupError(
                f"资料库目录中已有 {len(conflicts)} 个同名但内容不同的文件：{shown}。"
                "恢复不会覆盖它们；确认要用备份中的版本覆盖时，请加 --force。"
            )
        written = 0
        for entry in entries:
            if str(entry["name"]) in same:
                continue
            _extract_member(archive, entry, _target_of(settings, str(entry["name"])), source)
            written += 1
    count = _rebuild_index(settings)
    logger.info("restored %s: %d files written, %d documents indexed", source, written, count)
    return RestoreResult(documents_indexed=count, files_written=written, files_kept=len(same))


def _rebuild_index(settings: Settings) -> int:
    from kb.db import dispose_engines, session_scope
    from kb.indexing import rebuild
    from kb.search import recreate_backend

    dispose_engines()
    backend = recreate_backend(settings)
    try:
        with session_scope(settings) as session:
            return rebuild(session, backend)
    finally:
        backend.close()
