"""Shared fixtures: a library folder and a data folder under tmp_path, with real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.config import Settings, get_settings
from kb.db import dispose_engines
from kb.libraries import KEYS
from tests.db.postgres import create_database, drop_database, whole_suite_on_postgres


@pytest.fixture(autouse=True)
def fresh_suggestions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test without the suggestion candidates of another test's database.

    The process keeps them for up to two seconds without looking at the database, which
    is right for one database and wrong when the next test opens a new one.
    """
    from kb.search import suggest

    monkeypatch.setattr(suggest, "_cache", suggest._Cache())


@pytest.fixture
def library_dir(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    for key in KEYS:
        (root / key).mkdir(parents=True)
    return root


@pytest.fixture
def settings(tmp_path: Path, library_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings over this test's folders: SQLite and Whoosh, or a fresh PostgreSQL database with KB_TEST_BACKEND=postgres."""
    data = tmp_path / "data"
    monkeypatch.setenv("KB_LIBRARY_DIR", str(library_dir))
    monkeypatch.setenv("KB_DATA_DIR", str(data))
    monkeypatch.delenv("KB_DATABASE_URL", raising=False)
    monkeypatch.delenv("KB_SEARCH_BACKEND", raising=False)
    database = create_database() if whole_suite_on_postgres() else None
    if database:
        # Environment too, so that CLI runs and uvicorn child processes use the same database.
        monkeypatch.setenv("KB_DATABASE_URL", database)
        monkeypatch.setenv("KB_SEARCH_BACKEND", "postgres")
    get_settings.cache_clear()
    yield Settings(library_dir=library_dir, data_dir=data, database_url=database, search_backend="postgres" if database else "whoosh")
    get_settings.cache_clear()
    dispose_engines()
    if database:
        drop_database(database)


def write_text(root: Path, rel: str, text: str, encoding: str = "utf-8") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def write_docx(root: Path, rel: str, title: str, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
