"""Commands over the library and the index: ingest, search, reindex."""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from kb.cli.common import load_settings, open_backend_or_exit
from kb.db import session_scope
from kb.libraries import KEYS, library_name, resolve_library
from kb.search.backend import SearchFilters

_MARK_RE = re.compile(r"</?mark>")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 格式输出导入汇总。")
def ingest(as_json: bool) -> None:
    """导入资料库目录（KB_LIBRARY_DIR）中的全部文件；未变化的文件会跳过。"""
    from kb.ingest.pipeline import run_ingest

    settings = load_settings()
    root = settings.library_root
    if not root.is_dir():
        raise click.ClickException(f"资料库目录不存在：{root}。请设置 KB_LIBRARY_DIR 指向包含 {', '.join(KEYS)} 子目录的文件夹。")
    backend = open_backend_or_exit(settings)
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


@click.command()
@click.argument("query")
@click.option("--library", "library", help="只检索该资料库：可写键名（如 quotes）或中文名（如 报价库）。")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="最多输出的结果条数。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 格式输出 {total, results}。")
def search(query: str, library: str | None, limit: int, as_json: bool) -> None:
    """检索知识库，按相关度列出结果。"""
    from kb.search.service import run_search

    settings = load_settings()
    libraries: tuple[str, ...] = ()
    if library:
        key = resolve_library(library)
        if key is None:
            raise click.BadParameter(f"未知的资料库：{library}。可选：{', '.join(KEYS)}", param_hint="--library")
        libraries = (key,)
    backend = open_backend_or_exit(settings)
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
    if page.total == 0:
        click.echo("没有找到匹配的文档。")
        return
    note = "（没有文档同时包含全部词语，以下为部分匹配）" if page.relaxed else ""
    click.echo(f"共找到 {page.total} 个文档{note}：")
    for number, item in enumerate(page.results, 1):
        snippet = html.unescape(_MARK_RE.sub("", item.snippet.replace("<mark>", "【").replace("</mark>", "】")))
        click.echo(f"{number}. {item.title}  [{library_name(item.library)}]  {item.path}")
        click.echo(f"   {snippet}")


@click.command()
def reindex() -> None:
    """从数据库重建搜索索引（分析方式或索引版本变化后使用）。"""
    from kb.indexing import rebuild
    from kb.search import recreate_backend

    settings = load_settings()
    backend = recreate_backend(settings)
    try:
        with session_scope(settings) as session:
            count = rebuild(session, backend)
    finally:
        backend.close()
    click.echo(f"索引已重建，共 {count} 个文档。")


