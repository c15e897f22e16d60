"""The `kb db` commands: schema migrations and moving a knowledge base to PostgreSQL."""

from __future__ import annotations

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from kb.cli.common import load_settings

# Names shown to administrators in the copy report.
TABLE_NAMES = {
    "document": "文档",
    "documentversion": "文档版本",
    "tag": "标签",
    "documenttag": "文档标签",
    "customer": "客户",
    "opportunity": "商机",
    "documentcustomer": "文档与客户关联",
    "documentopportunity": "文档与商机关联",
    "user": "用户",
    "apitoken": "访问令牌",
    "auditevent": "审计日志",
}


@click.group("db")
def db() -> None:
    """管理数据库：升级数据库结构、迁移到 PostgreSQL。"""


@db.command()
def upgrade() -> None:
    """把 KB_DATABASE_URL 指向的数据库升级到当前程序需要的结构版本（可重复运行）。"""
    from kb.db import SchemaError, create_database_engine, database_url, upgrade_database

    settings = load_settings()
    url = database_url(settings)
    if make_url(url).get_backend_name() == "sqlite":
        settings.data_root.mkdir(parents=True, exist_ok=True)
    engine = create_database_engine(url)
    try:
        before, after = upgrade_database(engine)
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc
    except DBAPIError as exc:
        raise click.ClickException(f"无法连接或升级数据库 {_safe(url)}：{exc.orig}") from exc
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"数据库结构已是最新版本（{after}），无需升级：{_safe(url)}")
    else:
        click.echo(f"数据库结构已从 {before or '空数据库'} 升级到 {after}：{_safe(url)}")


@db.command()
def current() -> None:
    """显示数据库当前的结构版本和当前程序需要的版本。"""
    from kb import migrations
    from kb.db import create_database_engine, database_url

    settings = load_settings()
    url = database_url(settings)
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            found = migrations.current_revision(connection)
    except DBAPIError as exc:
        raise click.ClickException(f"无法连接数据库 {_safe(url)}：{exc.orig}") from exc
    finally:
        engine.dispose()
    head = migrations.head_revision()
    state = "已是最新" if found == head else "需要运行 `kb db upgrade`"
    click.echo(f"数据库 {_safe(url)}：结构版本 {found or '无'}，程序需要 {head}（{state}）。")


@db.command("migrate-to")
@click.argument("url")
def migrate_to(url: str) -> None:
    """把当前知识库（KB_DATABASE_URL，默认是数据目录中的 SQLite）的全部数据复制到空的 PostgreSQL 数据库 URL。

    URL 形如 postgresql+psycopg://用户名:密码@主机:5432/数据库名；数据库须已创建且为空。
    文档编号、标签、关联、用户、令牌和审计日志都原样保留。
    """
    from kb.db import create_database_engine, get_engine, is_postgres, upgrade_database
    from kb.migrations.transfer import TransferError, copy_database

    target_url = _postgres_url(url)
    if not is_postgres(target_url):
        raise click.ClickException(f"目标必须是 PostgreSQL 数据库，收到的是：{_safe(target_url)}")
    settings = load_settings()
    source = get_engine(settings)
    if source.url.render_as_string(hide_password=False) == target_url:
        raise click.ClickException("目标数据库与当前数据库（KB_DATABASE_URL）相同，无需迁移。")
    target = create_database_engine(target_url)
    try:
        upgrade_database(target)
        report = copy_database(source, target)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    except DBAPIError as exc:
        raise click.ClickException(f"迁移失败，已复制的数据全部回滚（目标数据库中只留下新建的空表）：{exc.orig}") from exc
    finally:
        target.dispose()
    _print_report(report.rows, target_url)


def _print_report(rows: dict[str, int], target_url: str) -> None:
    click.echo(f"迁移完成，已复制到 {_safe(target_url)}：")
    for table, count in rows.items():
        click.echo(f"  {TABLE_NAMES.get(table, table)}（{table}）：{count} 行")
    click.echo("接下来：")
    click.echo(f"  1. 在每台应用服务器上设置 KB_DATABASE_URL={_safe(target_url)}（把 *** 换成密码）")
    click.echo("  2. 如需在 PostgreSQL 中检索，同时设置 KB_SEARCH_BACKEND=postgres")
    click.echo("  3. 运行 `kb reindex` 重建搜索索引，然后重启服务")


def _postgres_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
