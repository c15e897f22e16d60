"""Settings from KB_* environment variables, with defaults that work in a fresh clone."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SEARCH_BACKENDS = ("whoosh", "tantivy", "postgres")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KB_", env_file=".env", extra="ignore")

    library_dir: Path = Path("library")
    data_dir: Path = Path("data")
    database_url: str | None = None
    search_backend: str = "whoosh"
    host: str = "127.0.0.1"
    port: int = 8000
    # Worker processes of `kb serve`. Each has its own searcher and database connections.
    workers: int = 1
    # Signs session cookies; without it a random key is kept in the data folder.
    secret_key: str | None = None
    # Send session cookies only over HTTPS; set when a TLS proxy is in front.
    https_only: bool = False
    # Largest upload accepted, in bytes.
    max_upload_bytes: int = 50 * 1024 * 1024
    # Seconds one file's extraction may take before its worker process is killed.
    extract_timeout: float = 60.0
    # Address space of an extraction worker process, in MiB; 0 means no limit.
    extract_memory_mb: int = 1024
    # "process" extracts in worker processes under the limits above; "inline" in the caller, without limits.
    extract_isolation: str = "process"

    @field_validator("search_backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SEARCH_BACKENDS:
            raise ValueError(f"KB_SEARCH_BACKEND={value!r} is not one of {', '.join(SEARCH_BACKENDS)}")
        return value

    @field_validator("extract_isolation")
    @classmethod
    def _known_isolation(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("process", "inline"):
            raise ValueError(f"KB_EXTRACT_ISOLATION={value!r} is not one of process, inline")
        return value

    @field_validator("workers")
    @classmethod
    def _positive_workers(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"KB_WORKERS={value} 无效：工作进程数至少为 1。")
        return value

    @field_validator("extract_timeout")
    @classmethod
    def _positive_timeout(cls, value: float) -> float:
        if value <= 0:
            raise ValueError(f"KB_EXTRACT_TIMEOUT={value} must be a positive number of seconds")
        return value

    @property
    def library_root(self) -> Path:
        return self.library_dir.expanduser().resolve()

    @property
    def data_root(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def index_dir(self) -> Path:
        return self.data_root / "index"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_root / 'kb.sqlite3'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
