"""Commands for accounts: the first administrator, users and API tokens."""

from __future__ import annotations

import click

from kb.cli.common import load_settings
from kb.db import session_scope


@click.command()
def setup() -> None:
    """初始化数据目录；首次运行时创建管理员 admin 并打印一次随机密码。"""
    import secrets

    from sqlmodel import select

    from kb.accounts import add_user
    from kb.libraries import KEYS as ALL_LIBRARIES
    from kb.models import User

    from kb.search.lexicon import write_templates

    settings = load_settings()
    for path in write_templates(settings.data_root):
        click.echo(f"已创建可编辑的词表文件：{path}")
    with session_scope(settings) as session:
        if session.exec(select(User)).first() is not None:
            click.echo("已有用户账号，跳过创建管理员。忘记密码可运行：kb user passwd admin")
            return
        password = secrets.token_urlsafe(12)
        add_user(session, "admin", password, role="admin", grants=",".join(ALL_LIBRARIES))
    click.echo("已创建管理员账号（密码只显示这一次，请妥善保存）：")
    click.echo("  用户名：admin")
    click.echo(f"  密码：{password}")


@click.group()
def user() -> None:
    """管理用户账号。"""


def _prompt_password() -> str:
    return click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), default="viewer", show_default=True, help="viewer：检索和阅读；editor：另可上传、打标签、关联；admin：另可管理用户。")
@click.option("--grant", default="", help="该用户可见的保密资料库，逗号分隔，例如 quotes,estimates。")
@click.option("--password", default=None, help="密码；省略时交互输入（比写在命令行更安全）。")
def user_add(name: str, role: str, grant: str, password: str | None) -> None:
    """添加用户。"""
    from kb.accounts import AccountError, add_user

    settings = load_settings()
    password = password or _prompt_password()
    try:
        with session_scope(settings) as session:
            add_user(session, name, password, role=role, grants=grant)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已添加用户 {name}（角色：{role}{'，可见：' + grant if grant else ''}）。")


@user.command("passwd")
@click.argument("name")
@click.option("--password", default=None, help="新密码；省略时交互输入。")
def user_passwd(name: str, password: str | None) -> None:
    """修改用户密码；该用户已登录的会话随之失效。"""
    from kb.accounts import AccountError, set_password

    settings = load_settings()
    password = password or _prompt_password()
    try:
        with session_scope(settings) as session:
            set_password(session, name, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已修改用户 {name} 的密码。")


@click.group()
def token() -> None:
    """管理 API 访问令牌（供 CRM 等系统调用）。"""


@token.command("create")
@click.option("--name", required=True, help="令牌名称，用于识别和撤销，例如 crm。")
@click.option("--scopes", default="read", show_default=True, help="权限范围，逗号分隔：read（检索、阅读、下载）、write（上传、打标签、关联）。")
@click.option("--grant", default="", help="该令牌可见的保密资料库，逗号分隔。")
def token_create(name: str, scopes: str, grant: str) -> None:
    """创建令牌；令牌只显示这一次，数据库只保存其散列值。"""
    from kb.accounts import AccountError, create_token

    settings = load_settings()
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

    settings = load_settings()
    try:
        with session_scope(settings) as session:
            revoke_token(session, name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已撤销令牌 {name}。")


