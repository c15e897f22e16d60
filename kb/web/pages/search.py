"""The search page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from kb.libraries import LIBRARIES, resolve_library
from kb.search.backend import SearchFilters
from kb.search.service import run_search
from kb.web.auth import PagePrincipal
from kb.web.deps import BackendDep, SessionDep
from kb.web.pages.common import render

router = APIRouter()
PAGE_SIZE = 10


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    backend: BackendDep,
    q: Annotated[str, Query(max_length=500)] = "",
    library: str = "",
) -> HTMLResponse:
    allowed = principal.allowed_libraries()
    key = resolve_library(library) if library else None
    filters = SearchFilters(allowed_libraries=allowed, libraries=(key,) if key else ())
    page = run_search(session, backend, q, filters, limit=PAGE_SIZE, facets=True) if q.strip() else None
    visible = [lib for lib in LIBRARIES if lib.key in allowed]
    context = {"q": q, "library": key or "", "libraries": visible, "page": page}
    return render(request, "search.html", context, principal)
