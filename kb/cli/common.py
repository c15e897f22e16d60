"""Helpers shared by the `kb` subcommands."""

from __future__ import annotations

import logging
import sys

import click

from kb.config import Settings, get_settings


def configure_logging(verbose: int) -> None:
    level = logging.ERROR
    if verbose == 1:
        level = logging.WARNING
    elif verbose > 1:
        level = logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        raise click.ClickException(f"配置无效：{exc}") from exc


def open_backend_or_exit(settings: Settings):  # type: ignore[no-untyped-def]
    from kb.db import SchemaError
    from kb.search import open_backend
    from kb.search.backend import IndexVersionError
    from kb.search.postgres_backend import PostgresSearchUnavailable

    try:
        return open_backend(settings)
    except IndexVersionError as exc:
        raise click.ClickException(f"索引版本与当前程序不一致，请先运行 `kb reindex` 重建索引。（{exc}）") from exc
    except (PostgresSearchUnavailable, SchemaError) as exc:
        raise click.ClickException(str(exc)) from exc
