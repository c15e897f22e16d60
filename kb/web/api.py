"""REST API under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from kb.libraries import resolve_library
from kb.search.backend import SearchFilters
from kb.search.service import run_search
from kb.web.auth import ApiPrincipal
from kb.web.deps import BackendDep, SessionDep
from kb.web.errors import ApiError

router = APIRouter(prefix="/api/v1", tags=["search"])


class SearchResultOut(BaseModel):
    id: int
    title: str
    library: str
    path: str
    snippet: str
    score: float


class SearchOut(BaseModel):
    total: int
    results: list[SearchResultOut]


@router.get("/search", response_model=SearchOut, summary="Search documents")
def search(
    principal: ApiPrincipal,
    session: SessionDep,
    backend: BackendDep,
    q: Annotated[str, Query(max_length=500, description="Query text")] = "",
    library: Annotated[str | None, Query(description="Library key, e.g. quotes")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> SearchOut:
    libraries: tuple[str, ...] = ()
    if library:
        key = resolve_library(library)
        if key is None:
            raise ApiError(400, "invalid_library", f"未知的资料库：{library}")
        libraries = (key,)
    filters = SearchFilters(allowed_libraries=principal.allowed_libraries(), libraries=libraries)
    page = run_search(session, backend, q, filters, limit=limit)
    return SearchOut(
        total=page.total,
        results=[
            SearchResultOut(id=r.id, title=r.title, library=r.library, path=r.path, snippet=r.snippet, score=r.score)
            for r in page.results
        ],
    )
