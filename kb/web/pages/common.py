"""Template rendering and small helpers shared by the page modules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from kb.accounts import Principal
from kb.libraries import library_name
from kb.models import as_utc
from kb.web.auth import CSRF_FIELD, csrf_token
from kb.web.errors import ApiError

FLASH_KEY = "flash"
NOT_FOUND_MESSAGE = "找不到该文档。它可能已被删除，或您没有查看权限。"
FORMAT_LABELS = {
    "docx": "Word",
    "xlsx": "Excel",
    "pptx": "PowerPoint",
    "pdf": "PDF",
    "txt": "文本",
    "md": "Markdown",
    "csv": "CSV",
}
ROLE_LABELS = {"viewer": "查看者", "editor": "编辑者", "admin": "管理员"}


def format_label(value: str) -> str:
    return FORMAT_LABELS.get(value, value.upper() or "未知")


def format_size(size: int | None) -> str:
    """Return a byte count as B, KB or MB with one decimal."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def format_time(value: datetime | None, with_time: bool = True) -> str:
    """Return a stored UTC time in the server's local time zone."""
    aware = as_utc(value)
    if aware is None:
        return ""
    # NOTE: pages show the server's time zone; a per-user zone needs a setting first.
    local = aware.astimezone()
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
templates.env.globals["library_name"] = library_name
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD
templates.env.filters["format_label"] = format_label
templates.env.filters["filesize"] = format_size
templates.env.filters["localtime"] = format_time
templates.env.filters["role_label"] = lambda role: ROLE_LABELS.get(role, role)


def pagination(current: int, last: int, url: Callable[[int], str]) -> dict[str, object]:
    """Return the links of `_partials/pagination.html`: previous, next and up to seven page numbers."""
    return {
        "current": current,
        "last": last,
        "prev_url": url(current - 1) if current > 1 else None,
        "next_url": url(current + 1) if current < last else None,
        "numbers": [(n, url(n)) for n in range(max(1, current - 3), min(last, current + 3) + 1)],
    }


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """Keep a message in the session for the next page rendered (after a redirect)."""
    messages = list(request.session.get(FLASH_KEY, []))
    messages.append({"kind": kind, "text": message})
    request.session[FLASH_KEY] = messages[-5:]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def not_found(message: str = NOT_FOUND_MESSAGE) -> ApiError:
    return ApiError(404, "not_found", message)


def render(request: Request, name: str, context: dict[str, Any], principal: Principal | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a page with the user, pending messages and the CSRF token every form needs."""
    messages = request.session.pop(FLASH_KEY, []) if principal is not None else []
    full = {"user": principal, "csrf_token": csrf_token(request), "messages": messages, **context}
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, "user": None, "csrf_token": "", "messages": []},
        status_code=status,
    )
