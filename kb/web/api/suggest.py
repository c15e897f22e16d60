"""Suggestions for the search box: titles, tags, customers and model codes, by text or pinyin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from kb.search.suggest import suggest
from kb.web.auth import ApiPrincipal
from kb.web.deps import SessionDep

router = APIRouter(tags=["search"])

KIND_LABELS = {"title": "文档", "tag": "标签", "customer": "客户", "opportunity": "商机", "code": "型号"}


class SuggestionOut(BaseModel):
    text: str
    kind: str
    label: str
    document_id: int | None = None


class SuggestOut(BaseModel):
    suggestions: list[SuggestionOut]


@router.get("/suggest", response_model=SuggestOut, summary="Suggest completions for the search box")
def suggest_endpoint(
    principal: ApiPrincipal,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100, description="What the user has typed; pinyin and initials work too")] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> SuggestOut:
    """Return titles, tags, customers, opportunities and model codes that match, from visible libraries only."""
    found = suggest(session, q, principal.allowed_libraries(), limit=limit)
    return SuggestOut(
        suggestions=[
            SuggestionOut(text=s.text, kind=s.kind, label=f"{KIND_LABELS[s.kind]}：{s.text}", document_id=s.document_id)
            for s in found
        ]
    )
