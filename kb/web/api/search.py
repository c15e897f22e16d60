"""GET /api/v1/search: full-text search with filters, pages and facet counts."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlmodel import Session, select

from kb.libraries import BY_KEY, resolve_library
from kb.models import Customer, Opportunity
from kb.search.backend import SearchFilters
from kb.search.service import SearchPage, run_search
from kb.tags import normalise_tag
from kb.web.api.common import ApiReader, error_responses
from kb.web.api.schemas import FacetsOut, SearchHitOut, SearchOut
from kb.web.deps import BackendDep, SessionDep
from kb.web.errors import ApiError

router = APIRouter(tags=["search"])

# A filter on an unknown customer or opportunity matches no document.
_NO_MATCH = (-1,)


def _split(values: list[str] | None) -> list[str]:
    """Accept repeated parameters and comma lists alike: `?library=a&library=b,c`."""
    return [item.strip() for value in values or () for item in value.split(",") if item.strip()]


def _libraries(values: list[str] | None) -> tuple[str, ...]:
    keys = []
    for value in _split(values):
        key = resolve_library(value)
        if key is None:
            raise ApiError(422, "invalid_library", f"未知的资料库：{value}。可选：{', '.join(BY_KEY)}")
        keys.append(key)
    return tuple(dict.fromkeys(keys))


def _party_ids(session: Session, model: type[Customer] | type[Opportunity], external_ids: list[str]) -> tuple[int, ...]:
    if not external_ids:
        return ()
    rows = session.exec(select(model.id).where(model.external_id.in_(external_ids))).all()  # type: ignore[union-attr]
    return tuple(int(r) for r in rows if r is not None) or _NO_MATCH


def _date_range(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    if date_from and date_to and date_from > date_to:
        raise ApiError(422, "invalid_date_range", f"开始日期 {date_from} 晚于结束日期 {date_to}。")
    start = datetime.combine(date_from, time.min) if date_from else None
    end = datetime.combine(date_to, time.max) if date_to else None
    return start, end


def _facet_names(session: Session, model: type[Customer] | type[Opportunity], counts: dict[str, int]) -> dict[str, int]:
    """Replace internal ids by external ids (or names when a party has none)."""
    ids = [int(key) for key in counts if key.isdigit()]
    rows = session.exec(select(model).where(model.id.in_(ids))).all() if ids else []  # type: ignore[union-attr]
    labels = {str(row.id): row.external_id or row.name for row in rows}
    return {labels[key]: count for key, count in counts.items() if key in labels}


def _search_out(session: Session, page: SearchPage, number: int, size: int) -> SearchOut:
    facets = page.facets
    return SearchOut(
        total=page.total,
        page=number,
        page_size=size,
        relaxed=page.relaxed,
        results=[
            SearchHitOut(
                id=r.id, title=r.title, library=r.library, library_name=r.library_name, path=r.path, folder=r.folder,
                format=r.format, snippet=r.snippet, score=r.score, modified=r.modified,
            )
            for r in page.results
        ],
        facets=FacetsOut(
            library=facets.get("library", {}),
            format=facets.get("format", {}),
            tag=facets.get("tag", {}),
            customer=_facet_names(session, Customer, facets.get("customer", {})),
            opportunity=_facet_names(session, Opportunity, facets.get("opportunity", {})),
        ),
    )


@router.get(
    "/search",
    response_model=SearchOut,
    summary="Search documents",
    description=(
        "Full-text search over title, tags, customer names and content, with Chinese word segmentation. "
        "The query language accepts `\"phrases\"`, `-exclusions`, `OR` and filters such as `tag:报价`. "
        "Results and facet counts include only libraries the caller may see. Dates filter on the document's "
        "modified time (UTC) and both ends are inclusive."
    ),
    responses=error_responses(401, 403, 422),
)
def search(
    principal: ApiReader,
    session: SessionDep,
    backend: BackendDep,
    q: Annotated[str, Query(max_length=500, description="Query text; empty lists every visible document.")] = "",
    library: Annotated[list[str] | None, Query(description="Library key or Chinese name; repeat or comma-separate.")] = None,
    tag: Annotated[list[str] | None, Query(description="Tag the documents must carry; repeat for several.")] = None,
    customer: Annotated[list[str] | None, Query(description="Customer external id.")] = None,
    opportunity: Annotated[list[str] | None, Query(description="Opportunity external id.")] = None,
    format: Annotated[list[str] | None, Query(description="File format, e.g. docx, pdf, xlsx.")] = None,
    date_from: Annotated[date | None, Query(description="ISO date, e.g. 2024-01-31.")] = None,
    date_to: Annotated[date | None, Query(description="ISO date, inclusive.")] = None,
    sort: Annotated[Literal["relevance", "date"], Query(description="`date` puts the newest first.")] = "relevance",
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 10,
) -> SearchOut:
    modified_from, modified_to = _date_range(date_from, date_to)
    filters = SearchFilters(
        allowed_libraries=principal.allowed_libraries(),
        libraries=_libraries(library),
        tags=tuple(normalise_tag(t) for t in _split(tag)),
        customer_ids=_party_ids(session, Customer, _split(customer)),
        opportunity_ids=_party_ids(session, Opportunity, _split(opportunity)),
        formats=tuple(f.lower().lstrip(".") for f in _split(format)),
        modified_from=modified_from,
        modified_to=modified_to,
    )
    offset = (page - 1) * page_size
    found = run_search(session, backend, q, filters, sort=sort, offset=offset, limit=page_size, facets=True)
    return _search_out(session, found, page, page_size)
