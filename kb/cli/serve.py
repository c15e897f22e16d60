"""The `kb serve` command."""

from __future__ import annotations

import click

from kb.cli.common import load_settings


@click.command()
@click.option("--host", default=None, help="监听地址（默认取 KB_HOST，即 127.0.0.1）。")
@click.option("--port", default=None, type=int, help="监听端口（默认取 KB_PORT，即 8000）。")
@click.option("--workers", default=None, type=int, help="工作进程数（默认取 KB_WORKERS，即 1）。")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """启动网页和 API 服务。"""
    import uvicorn

    settings = load_settings()
    host = host or settings.host
    port = port or settings.port
    if workers is not None and workers < 1:
        raise click.ClickException(f"--workers {workers} 无效：工作进程数至少为 1。")
    workers = workers or settings.workers
    shown = f"，{workers} 个工作进程" if workers > 1 else ""
    click.echo(f"kb 正在启动：http://{host}:{port}/{shown}（按 Ctrl+C 停止）")
    uvicorn.run("kb.web.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning")
