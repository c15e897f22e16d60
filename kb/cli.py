"""The `kb` command for administrators: ingest, search, reindex, serve."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from kb.config import Settings, get_settings
from kb.db import session_scope
from kb.libraries import KEYS, library_name, resolve_library
from kb.search.backend import SearchFilters

_MARK_RE = re.compile(r"</?mark>")


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 1 else logging.INFO if verbose > 1 else logging.ERROR
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        raise click.ClickException(f"配置无效：{exc}") from exc


def _open_backend(settings: Settings):  # type: ignore[no-untyped-def]
    from kb.search import open_backend
    from kb.search.whoosh_backend import IndexVersionError

    try:
        return open_backend(settings)
    except IndexVersionError as exc:
        raise click.ClickException(f"索引版本与当前程序不一致，请先运行 `kb reindex` 重建索引。（{exc}）") from exc


@click.group()
@click.option("-v", "--verbose", count=True, help="Print log records to stderr: -v warnings, -vv progress details.")
def main(verbose: int) -> None:
    """kb 知识库：导入七个资料库的文件，并用中文检索。"""
    _configure_logging(verbose)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of text.")
def ingest(as_json: bool) -> None:
    """导入资料库目录（KB_LIBRARY_DIR）中的全部文件；未变化的文件会跳过。"""
    from kb.ingest.pipeline import run_ingest

    settings = _settings()
    root = settings.library_root
    if not root.is_dir():
        raise click.ClickException(f"资料库目录不存在：{root}。请设置 KB_LIBRARY_DIR 指向包含 {', '.join(KEYS)} 子目录的文件夹。")
    backend = _open_backend(settings)
    try:
        if as_json:
            summary = run_ingest(settings, backend)
        else:
            with _progress_context() as progress:
                summary = run_ingest(settings, backend, progress=progress)
    finally:
        backend.close()
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(
        f"导入完成：新增 {len(summary.added)}，更新 {len(summary.updated)}，移动 {len(summary.moved)}，"
        f"未变化 {len(summary.unchanged)}，缺失 {len(summary.missing)}，失败 {len(summary.failed)}。"
    )
    for path, reason in summary.failed:
        click.echo(f"  失败  {path}：{reason}")
    for path in summary.missing:
        click.echo(f"  缺失  {path}")


class _progress_context:
    """Show a progress bar on a terminal; print nothing otherwise."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        self._bar = None

        def wrap(files: list[Path]) -> Iterable[Path]:
            if not sys.stderr.isatty():
                return files
            self._bar = click.progressbar(files, label="正在导入", file=sys.stderr, show_pos=True)
            return self._bar.__enter__()

        return wrap

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


@main.command()
@click.argument("query")
@click.option("--library", "library", help="Only this library: a key such as quotes, or a name such as 报价库.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Number of results to print.")
@click.option("--json", "as_json", is_flag=True, help="Print {total, results} as JSON.")
def search(query: str, library: str | None, limit: int, as_json: bool) -> None:
    """检索知识库，按相关度列出结果。"""
    from kb.search.service import run_search

    settings = _settings()
    libraries: tuple[str, ...] = ()
    if library:
        key = resolve_library(library)
        if key is None:
            raise click.BadParameter(f"未知的资料库：{library}。可选：{', '.join(KEYS)}", param_hint="--library")
        libraries = (key,)
    backend = _open_backend(settings)
    try:
        with session_scope(settings) as session:
            page = run_search(session, backend, query, SearchFilters(libraries=libraries), limit=limit)
    finally:
        backend.close()
    if as_json:
        results = [
            {"id": r.id, "title": r.title, "library": r.library, "path": r.path, "snippet": r.snippet, "score": r.score}
            for r in page.results
        ]
        click.echo(json.dumps({"total": page.total, "results": results}, ensure_ascii=False, indent=2))
        return
    _print_results(page)


def _print_results(page) -> None:  # type: ignore[no-untyped-def]
    import html

    if page.total == 0:
        click.echo("没有找到匹配的文档。")
        return
    note = "（没有文档同时包含全部词语，以下为部分匹配）" if page.relaxed else ""
    click.echo(f"共找到 {page.total} 个文档{note}：")
    for number, item in enumerate(page.results, 1):
        snippet = html.unescape(_MARK_RE.sub("", item.snippet.replace("<mark>", "【").replace("</mark>", "】")))
        click.echo(f"{number}. {item.title}  [{library_name(item.library)}]  {item.path}")
        click.echo(f"   {snippet}")


@main.command()
def reindex() -> None:
    """从数据库重建搜索索引（分析方式或索引版本变化后使用）。"""
    from kb.indexing import rebuild
    from kb.search import recreate_backend

    settings = _settings()
    backend = recreate_backend(settings)
    try:
        with session_scope(settings) as session:
            count = rebuild(session, backend)
    finally:
        backend.close()
    click.echo(f"索引已重建，共 {count} 个文档。")


@main.command()
def setup() -> None:
    """初始化数据目录；首次运行时创建管理员 admin 并打印一次随机密码。"""
    import secrets

    from sqlmodel import select

    from kb.accounts import add_user
    from kb.libraries import KEYS as ALL_LIBRARIES
    from kb.models import User

    settings = _settings()
    with session_scope(settings) as session:
        if session.exec(select(User)).first() is not None:
            click.echo("已有用户账号，跳过创建管理员。忘记密码可运行：kb user passwd admin")
            return
        password = secrets.token_urlsafe(12)
        add_user(session, "admin", password, role="admin", grants=",".join(ALL_LIBRARIES))
    click.echo("已创建管理员账号（密码只显示这一次，请妥善保存）：")
    click.echo("  用户名：admin")
    click.echo(f"  密码：{password}")


@main.group()
def user() -> None:
    """管理用户账号。"""


def _prompt_password() -> str:
    return click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), default="viewer", show_default=True, help="viewer: search and read; editor: also upload, tag, link; admin: also manage users.")
@click.option("--grant", default="", help="Confidential libraries the user may see, comma separated, e.g. quotes,estimates.")
@click.option("--password", default=None, help="Password; prompted for when omitted (safer than the command line).")
def user_add(name: str, role: str, grant: str, password: str | None) -> None:
    """添加用户。"""
    from kb.accounts import AccountError, add_user

    settings = _settings()
    password = password or _prompt_password()
    try:
        with session_scope(settings) as session:
            add_user(session, name, password, role=role, grants=grant)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已添加用户 {name}（角色：{role}{'，可见：' + grant if grant else ''}）。")


@user.command("passwd")
@click.argument("name")
@click.option("--password", default=None, help="New password; prompted for when omitted.")
def user_passwd(name: str, password: str | None) -> None:
    """修改用户密码；该用户已登录的会话随之失效。"""
    from kb.accounts import AccountError, set_password

    settings = _settings()
    password = password or _prompt_password()
    try:
        with session_scope(settings) as session:
            set_password(session, name, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已修改用户 {name} 的密码。")


@main.group()
def token() -> None:
    """管理 API 访问令牌（供 CRM 等系统调用）。"""


@token.command("create")
@click.option("--name", required=True, help="A name to recognise the token by, e.g. crm.")
@click.option("--scopes", default="read", show_default=True, help="read (search, read, download) and/or write (upload, tag, link), comma separated.")
@click.option("--grant", default="", help="Confidential libraries the token may see, comma separated.")
def token_create(name: str, scopes: str, grant: str) -> None:
    """创建令牌；令牌只显示这一次，数据库只保存其散列值。"""
    from kb.accounts import AccountError, create_token

    settings = _settings()
    try:
        with session_scope(settings) as session:
            secret = create_token(session, name, scopes, grant)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已创建令牌 {name}（权限：{scopes}）。令牌只显示这一次：")
    click.echo(secret)


@token.command("revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """撤销令牌。"""
    from kb.accounts import AccountError, revoke_token

    settings = _settings()
    try:
        with session_scope(settings) as session:
            revoke_token(session, name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已撤销令牌 {name}。")


@main.command()
@click.option("--host", default=None, help="Address to listen on (default KB_HOST, 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to listen on (default KB_PORT, 8000).")
def serve(host: str | None, port: int | None) -> None:
    """启动网页和 API 服务。"""
    import uvicorn

    settings = _settings()
    host = host or settings.host
    port = port or settings.port
    click.echo(f"kb 已启动：http://{host}:{port}/  （按 Ctrl+C 停止）")
    uvicorn.run("kb.web.app:create_app", factory=True, host=host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
