"""The tag list: every tag with its number of visible documents, linking to the filtered search."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kb.catalog import tag_counts
from kb.web.auth import PagePrincipal
from kb.web.deps import SessionDep
from kb.web.pages.common import render
from kb.web.pages.search_form import SearchForm

router = APIRouter()


@router.get("/tags", response_class=HTMLResponse)
def tag_list(request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    counts = tag_counts(session, principal.allowed_libraries())
    tags = [(name, count, SearchForm().url(tag=name)) for name, count in counts]
    return render(request, "tags.html", {"tags": tags}, principal)
