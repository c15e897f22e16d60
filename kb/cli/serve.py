"""The `kb serve` command."""

from __future__ import annotations

import click

from kb.cli.common import load_settings


@click.command()
@click.option("--host", default=None, help="监听地址（默认取 KB_HOST，即 127.0.0.1）。")
@click.option("--port", default=None, type=int, help="监听端口（默认取 KB_PORT，即 8000）。")
def serve(host: str | None, port: int | None) -> None:
    """启动网页和 API 服务。"""
    import uvicorn

    settings = load_settings()
    host = host or settings.host
    port = port or settings.port
    click.echo(f"kb 已启动：http://{host}:{port}/  （按 Ctrl+C 停止）")
    uvicorn.run("kb.web.app:create_app", factory=True, host=host, port=port, log_level="warning")
