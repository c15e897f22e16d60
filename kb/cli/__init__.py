"""The `kb` command for administrators: ingest, search, reindex, accounts, serve, check, backup, restore, db."""

from __future__ import annotations

import click

from kb.cli import accounts, database, documents, maintenance, serve
from kb.cli.common import configure_logging


@click.group()
@click.option("-v", "--verbose", count=True, help="在标准错误输出日志：-v 显示警告，-vv 显示处理细节。")
def main(verbose: int) -> None:
    """kb 知识库：导入七个资料库的文件，并用中文检索。"""
    configure_logging(verbose)


for command in (
    documents.ingest,
    documents.search,
    documents.reindex,
    accounts.setup,
    accounts.user,
    accounts.token,
    serve.serve,
    maintenance.check,
    maintenance.backup,
    maintenance.restore,
    database.db,
):
    main.add_command(command)
