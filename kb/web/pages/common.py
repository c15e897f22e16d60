"""Template rendering shared by the page modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kb.accounts import Principal
from kb.libraries import library_name
from kb.web.auth import CSRF_FIELD, csrf_token

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
templates.env.globals["library_name"] = library_name
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD


def render(request: Request, name: str, context: dict[str, Any], principal: Principal | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a page with the user and the CSRF token every form needs."""
    full = {"user": principal, "csrf_token": csrf_token(request), **context}
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message, "user": None, "csrf_token": ""}, status_code=status
    )
