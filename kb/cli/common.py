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
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        # One line per invalid setting, with the validator's message and without pydantic's links.
        lines = [str(error["msg"]).removeprefix("Value error, ") for error in exc.errors()]
        raise click.ClickException("配置无效，请修改环境变量或 .env 文件：\n" + "\n".join(lines)) from exc
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
