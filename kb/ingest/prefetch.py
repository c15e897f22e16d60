"""Hash library files and extract the new or changed ones in parallel, ahead of the pipeline.

The pipeline stores files one at a time in one database session. Extraction, the slow
part, runs here in a few threads, each waiting on one of the sandbox's worker processes,
so every core extracts while the pipeline stores what is ready. A snapshot of the
database taken at the start decides which files to extract ahead. The pipeline still
makes the real decision: it extracts in its own thread what was not extracted ahead,
and it ignores what was extracted needlessly.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kb.ingest.sandbox import extract_file
from kb.ingest.types import ExtractedDocument, ExtractionError


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Prefetched:
    """A file's hash before extraction and, when it was extracted ahead, the result or the error."""

    sha: str
    extracted: ExtractedDocument | None = None
    error: ExtractionError | None = None

    @property
    def was_extracted(self) -> bool:
        return self.extracted is not None or self.error is not None

    def result(self) -> ExtractedDocument:
        """Return the extracted document, or raise the ExtractionError that extraction raised."""
        if self.error is not None:
            raise self.error
        assert self.extracted is not None, "result() of a file that was not extracted ahead"
        return self.extracted


@dataclass(frozen=True)
class Snapshot:
    """Database state at the start of a run: the hash of each readable document, and every known hash."""

    sha_by_path: dict[str, str]
    known_shas: frozenset[str]

    def needs_extraction(self, rel: str, sha: str) -> bool:
        # An unchanged file is skipped, and a known hash at a new path is probably a move.
        return self.sha_by_path.get(rel) != sha and sha not in self.known_shas


def _prepare(path: Path, rel: str, snapshot: Snapshot) -> Prefetched:
    sha = sha256_of(path)
    if not snapshot.needs_extraction(rel, sha):
        return Prefetched(sha)
    try:
        return Prefetched(sha, extracted=extract_file(path))
    except ExtractionError as error:
        return Prefetched(sha, error=error)


def prefetch(files: Iterable[tuple[Path, str]], snapshot: Snapshot, workers: int) -> Iterator[tuple[Path, Future[Prefetched]]]:
    """Yield each (path, future) of `files` (path and library-relative key) in order, working ahead.

    At most `2 * workers` files are hashed or extracted ahead of the one yielded. A future
    raises OSError when the file could not be read. Leaving the loop early cancels the rest.
    """
    window = max(1, 2 * workers)
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="kb-prefetch")
    pending: deque[tuple[Path, Future[Prefetched]]] = deque()
    upcoming = iter(files)
    try:
        while True:
            while len(pending) < window:
                item = next(upcoming, None)
                if item is None:
                    break
                path, rel = item
                pending.append((path, pool.submit(_prepare, path, rel, snapshot)))
            if not pending:
                return
            yield pending.popleft()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
