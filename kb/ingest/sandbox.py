"""Run extraction in worker processes with a time limit and a memory limit.

A file that makes an extractor hang, eat memory or crash costs one worker process,
not the ingest run or the web server: the worker is killed, the file is recorded as
failed with a Chinese reason, and a new worker takes the next file.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

from kb.ingest.types import ExtractedDocument, ExtractionError, UnsupportedFormatError

logger = logging.getLogger(__name__)

DEFAULT_TARGET = "kb.ingest.extractors:extract"
# Time a new worker may take to import the extractors before it counts as broken.
STARTUP_TIMEOUT_SECONDS = 120.0
# Worker processes per runner, one per core (at least 2, at most 8); more threads asking
# for extraction wait for a free worker.
MAX_WORKERS = min(8, max(2, os.cpu_count() or 2))

INTERNAL_ERROR_REASON = "读取文件时发生内部错误，详见服务器日志。请确认文件能用 Office 或 PDF 阅读器正常打开。"
CRASH_REASON = "读取文件的进程意外退出（文件可能已损坏，或解析时占用内存过多）。请用 Office 或 PDF 阅读器打开并另存后重新上传。"


def timeout_reason(seconds: float) -> str:
    return f"处理超时（超过 {seconds:g} 秒），已停止读取该文件。文件可能过大或已损坏，请拆分或另存后重新上传。"


def memory_reason(megabytes: int) -> str:
    return f"内存占用超过上限（{megabytes} MB），已停止读取该文件。文件可能过大或已损坏，请拆分或另存后重新上传。"


@dataclass(frozen=True)
class Limits:
    """Per-file limits: wall-clock seconds and address space in MiB (0 means no memory limit)."""

    timeout: float = 60.0
    memory_mb: int = 1024


class ExtractionRunner(Protocol):
    def extract(self, path: Path) -> ExtractedDocument: ...

    def close(self) -> None: ...


def resolve_target(target: str) -> Callable[[Path], ExtractedDocument]:
    """Import `module:function`, the extraction function a runner calls."""
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]


class InlineRunner:
    """Extract in the calling process, without limits: for tests and debugging."""

    def __init__(self, target: str = DEFAULT_TARGET) -> None:
        self._function = resolve_target(target)

    def extract(self, path: Path) -> ExtractedDocument:
        return self._function(Path(path))

    def close(self) -> None:
        pass


# -- the worker process -------------------------------------------------------------


def _limit_memory(megabytes: int) -> None:
    if megabytes <= 0:
        return
    try:
        import resource
    except ImportError:  # Windows has no resource module.
        logger.warning("cannot limit extraction memory on this platform")
        return
    limit = megabytes * 1024 * 1024
    # NOTE: macOS accepts RLIMIT_AS but does not enforce it; there only the time limit applies.
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _extract_one(function: Callable[[Path], ExtractedDocument], path: str) -> tuple[str, object]:
    """Run one extraction and return (kind, payload), never raising."""
    try:
        return "ok", function(Path(path))
    except UnsupportedFormatError as error:
        return "unsupported", error.reason
    except ExtractionError as error:
        return "error", error.reason
    except MemoryError:
        return "memory", None
    except Exception as error:  # noqa: BLE001 - reported to the parent, which logs it
        return "internal", f"{type(error).__name__}: {error}"


def worker_main(connection: Connection, target: str, memory_mb: int) -> None:
    """Serve extraction requests (one path string each) until the pipe closes."""
    _limit_memory(memory_mb)
    function = resolve_target(target)
    connection.send(("ready", None))
    while True:
        try:
            path = connection.recv()
        except EOFError:
            return
        connection.send(_extract_one(function, path))


class _WorkerGone(Exception):
    """The worker process died or its pipe broke."""


class _WorkerTimeout(Exception):
    """The worker sent no result within the time limit."""


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context: multiprocessing.context.BaseContext, target: str, memory_mb: int) -> None:
        parent_end, child_end = context.Pipe()
        self.process = context.Process(  # type: ignore[attr-defined]
            target=worker_main, args=(child_end, target, memory_mb), daemon=True, name="kb-extract"
        )
        self.process.start()
        child_end.close()
        self.connection = parent_end
        if self.receive(STARTUP_TIMEOUT_SECONDS)[0] != "ready":
            self.kill()
            raise RuntimeError("extraction worker sent no ready message")

    def receive(self, timeout: float) -> tuple[str, object]:
        try:
            if not self.connection.poll(timeout):
                raise _WorkerTimeout
            return self.connection.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError) as error:
            self.process.join(1)
            raise _WorkerGone(f"exit code {self.process.exitcode}") from error

    def run(self, path: Path, timeout: float) -> tuple[str, object]:
        try:
            self.connection.send(str(path))
        except (OSError, ValueError) as error:
            raise _WorkerGone("pipe closed") from error
        return self.receive(timeout)

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class ProcessRunner:
    """Extract in a small pool of reusable worker processes, killing any that exceeds its limits."""

    def __init__(self, target: str = DEFAULT_TARGET, limits: Limits = Limits(), max_workers: int = MAX_WORKERS) -> None:
        self.target = target
        self.limits = limits
        # Spawned workers start clean: no copied locks, database connections or index handles.
        self._context = multiprocessing.get_context("spawn")
        self._slots = threading.BoundedSemaphore(max_workers)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._closed = False

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return _Worker(self._context, self.target, self.limits.memory_mb)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                return
        worker.kill()

    def extract(self, path: Path) -> ExtractedDocument:
        with self._slots:
            worker = self._take()
            try:
                kind, payload = worker.run(path, self.limits.timeout)
            except _WorkerTimeout:
                logger.warning("extraction of %s timed out after %s s; worker killed", path, self.limits.timeout)
                worker.kill()
                raise ExtractionError(path, timeout_reason(self.limits.timeout)) from None
            except _WorkerGone as error:
                logger.warning("extraction worker died while reading %s (%s)", path, error)
                worker.kill()
                raise ExtractionError(path, CRASH_REASON) from None
            if kind == "memory":
                # A MemoryError may leave the worker's heap fragmented or half-built: start afresh.
                worker.kill()
            else:
                self._give_back(worker)
        return _unpack(path, kind, payload, self.limits)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


def _unpack(path: Path, kind: str, payload: object, limits: Limits) -> ExtractedDocument:
    if kind == "ok":
        assert isinstance(payload, ExtractedDocument)
        return payload
    if kind == "unsupported":
        raise UnsupportedFormatError(path, str(payload))
    if kind == "error":
        raise ExtractionError(path, str(payload))
    if kind == "memory":
        logger.warning("extraction of %s exceeded the memory limit of %s MB", path, limits.memory_mb)
        raise ExtractionError(path, memory_reason(limits.memory_mb))
    logger.error("extractor raised an unexpected error on %s: %s", path, payload)
    raise ExtractionError(path, INTERNAL_ERROR_REASON)


# -- the runner used by the pipeline ----------------------------------------------


_state_lock = threading.Lock()
_runner: ExtractionRunner | None = None
_runner_key: tuple[object, ...] | None = None
_override: ExtractionRunner | None = None


def _configured_runner() -> ExtractionRunner:
    """Return the runner for the current settings, replacing it when they changed."""
    global _runner, _runner_key
    from kb.config import get_settings

    settings = get_settings()
    key = (settings.extract_isolation, settings.extract_timeout, settings.extract_memory_mb)
    with _state_lock:
        if _override is not None:
            return _override
        if _runner is not None and _runner_key == key:
            return _runner
        old, _runner_key = _runner, key
        if settings.extract_isolation == "inline":
            _runner = InlineRunner()
        else:
            _runner = ProcessRunner(limits=Limits(settings.extract_timeout, settings.extract_memory_mb))
    if old is not None:
        old.close()
    return _runner


def parallelism() -> int:
    """Return how many extractions may usefully run at once: the worker processes, or 1 when inline."""
    return 1 if isinstance(_configured_runner(), InlineRunner) else MAX_WORKERS


def extract_file(path: Path) -> ExtractedDocument:
    """Extract `path` under the configured limits (KB_EXTRACT_TIMEOUT, KB_EXTRACT_MEMORY_MB)."""
    return _configured_runner().extract(path)


@contextmanager
def use_runner(runner: ExtractionRunner) -> Iterator[ExtractionRunner]:
    """Make every extract_file call in this process use `runner` inside the block."""
    global _override
    with _state_lock:
        previous, _override = _override, runner
    try:
        yield runner
    finally:
        with _state_lock:
            _override = previous
        runner.close()


@atexit.register
def _close_workers() -> None:
    if _runner is not None:
        _runner.close()
