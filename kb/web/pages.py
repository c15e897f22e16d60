"""HTML pages, rendered with Jinja2 templates in Simplified Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kb.libraries import LIBRARIES, resolve_library
from kb.search.backend import SearchFilters
from kb.search.service import run_search
from kb.web.deps import BackendDep, SessionDep

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

PAGE_SIZE = 10


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message}, status_code=status)


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    backend: BackendDep,
    q: Annotated[str, Query(max_length=500)] = "",
    library: str = "",
) -> HTMLResponse:
    key = resolve_library(library) if library else None
    filters = SearchFilters(libraries=(key,) if key else ())
    page = run_search(session, backend, q, filters, limit=PAGE_SIZE, facets=True) if q.strip() else None
    context = {"q": q, "library": key or "", "libraries": LIBRARIES, "page": page}
    return templates.TemplateResponse(request, "search.html", context)
