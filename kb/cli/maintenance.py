"""Commands that look after the installation: check, backup, restore."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kb.cli.common import load_settings, open_backend_or_exit


@click.command()
@click.option("--repair", is_flag=True, help="发现差异时修复：从数据库重建索引，再导入资料库目录中的文件。")
@click.option("--quick", is_flag=True, help="不逐个计算文件校验值（更快，但发现不了被修改过内容的文件）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 格式输出检查结果。")
def check(repair: bool, quick: bool, as_json: bool) -> None:
    """比较数据库、搜索索引和资料库目录，列出所有不一致之处；有差异时退出码为 1。"""
    from kb.maintenance.check import check as run_check
    from kb.maintenance.check import repair as run_repair

    settings = load_settings()
    backend = open_backend_or_exit(settings)
    try:
        report = run_check(settings, backend, verify_hashes=not quick)
        if repair and not report.clean:
            _print_report(report, as_json=False, quiet=as_json)
            summary = run_repair(settings, backend)
            if not as_json:
                click.echo(f"已修复：重建索引并导入（新增 {len(summary.added)}，更新 {len(summary.updated)}，"
                           f"缺失 {len(summary.missing)}，失败 {len(summary.failed)}）。重新检查：")
    finally:
        backend.close()
    if repair and not report.clean:
        # NOTE: a refreshed Whoosh searcher can keep showing deleted documents
        # (whoosh-reloaded 2.7.5 reuses segment readers), so the re-check opens the index afresh.
        backend = open_backend_or_exit(settings)
        try:
            report = run_check(settings, backend, verify_hashes=not quick)
        finally:
            backend.close()
    _print_report(report, as_json=as_json, quiet=False)
    sys.exit(0 if report.clean else 1)


def _print_report(report, as_json: bool, quiet: bool) -> None:  # type: ignore[no-untyped-def]
    if quiet:
        return
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"资料库文件 {report.files} 个，数据库记录 {report.documents} 条，索引文档 {report.indexed} 个。")
    if report.clean:
        click.echo("检查通过：数据库、索引和资料库目录一致。")
        return
    click.echo(f"发现 {len(report.differences)} 处不一致：")
    for difference in report.differences:
        where = difference.path or f"文档 {difference.document_id}"
        click.echo(f"  {difference.label}：{where}")
    click.echo("运行 `kb check --repair` 可自动修复。")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """把数据库、资料库原件和词典文件备份到 FILE（.tar.gz），服务运行时也可以备份。"""
    from kb.maintenance.backup import BackupError, create_backup

    settings = load_settings()
    try:
        manifest = create_backup(settings, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"备份完成：{file}（共 {len(manifest['files'])} 个文件）。")  # type: ignore[arg-type]


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="资料库目录中已有同名但内容不同的文件时，用备份中的版本覆盖。")
def restore(file: Path, force: bool) -> None:
    """从备份文件 FILE 恢复到空的数据目录（KB_DATA_DIR）和资料库目录，并重建索引。"""
    from kb.maintenance.backup import BackupError, restore_backup

    settings = load_settings()
    try:
        result = restore_backup(settings, file, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"恢复完成：写入 {result.files_written} 个文件，保留已存在的相同文件 {result.files_kept} 个，"
        f"索引 {result.documents_indexed} 个文档。"
    )
