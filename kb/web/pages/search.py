"""The search page: query, filters with counts, sorting and pages of highlighted results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, select

from kb.libraries import LIBRARIES, library_name
from kb.models import Customer, Opportunity
from kb.search.backend import SearchBackend
from kb.search.service import SearchPage, run_search
from kb.web.auth import PagePrincipal
from kb.web.deps import BackendDep, SessionDep
from kb.web.pages.common import format_label, pagination, render
from kb.web.pages.search_form import MAX_PAGE, SORTS, SearchForm

router = APIRouter()
PAGE_SIZE = 10
FACET_LIMIT = 12
SORT_LABELS = {"relevance": "按相关度", "date": "按修改时间"}


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    url: str
    selected: bool


@dataclass(frozen=True)
class FacetGroup:
    title: str
    links: list[FacetLink]


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    remove_url: str


def _party_names(session: Session, model: type[Customer] | type[Opportunity], ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(model.id, model.name).where(model.id.in_(ids))).all()  # type: ignore[union-attr]
    return {int(row_id): name for row_id, name in rows}


def _facet_groups(session: Session, form: SearchForm, facets: dict[str, dict[str, int]], library_counts: dict[str, int]) -> list[FacetGroup]:
    """Turn the backend's counts into links that add or change one filter."""
    libraries = [
        FacetLink(lib.name, library_counts[lib.key], form.url(library=lib.key), lib.key == form.library)
        for lib in LIBRARIES
        if library_counts.get(lib.key)
    ]
    formats = [FacetLink(format_label(k), n, form.url(format=k), k == form.format) for k, n in _top(facets.get("format", {}))]
    tags = [FacetLink(k, n, form.url(tag=k), k == form.tag) for k, n in _top(facets.get("tag", {}))]
    customer_counts = _top(facets.get("customer", {}))
    names = _party_names(session, Customer, [int(k) for k, _ in customer_counts if k.isdigit()])
    customers = [
        FacetLink(names[int(k)], n, form.url(customer=int(k)), int(k) == form.customer) for k, n in customer_counts if k.isdigit() and int(k) in names
    ]
    opportunity_counts = _top(facets.get("opportunity", {}))
    names = _party_names(session, Opportunity, [int(k) for k, _ in opportunity_counts if k.isdigit()])
    opportunities = [
        FacetLink(names[int(k)], n, form.url(opportunity=int(k)), int(k) == form.opportunity)
        for k, n in opportunity_counts
        if k.isdigit() and int(k) in names
    ]
    groups = [("资料库", libraries), ("格式", formats), ("标签", tags), ("客户", customers), ("商机", opportunities)]
    return [FacetGroup(title, links) for title, links in groups if links]


def _top(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]


def _active_filters(session: Session, form: SearchForm) -> list[ActiveFilter]:
    """List each filter in force with a link that removes only that filter."""
    active: list[ActiveFilter] = []
    if form.library:
        active.append(ActiveFilter(f"资料库：{library_name(form.library)}", form.url(library="")))
    if form.tag:
        active.append(ActiveFilter(f"标签：{form.tag}", form.url(tag="")))
    if form.customer:
        name = _party_names(session, Customer, [form.customer]).get(form.customer, f"#{form.customer}")
        active.append(ActiveFilter(f"客户：{name}", form.url(customer=None)))
    if form.opportunity:
        name = _party_names(session, Opportunity, [form.opportunity]).get(form.opportunity, f"#{form.opportunity}")
        active.append(ActiveFilter(f"商机：{name}", form.url(opportunity=None)))
    if form.format:
        active.append(ActiveFilter(f"格式：{format_label(form.format)}", form.url(format="")))
    if form.date_from:
        active.append(ActiveFilter(f"修改时间不早于 {form.date_from}", form.url(date_from="")))
    if form.date_to:
        active.append(ActiveFilter(f"修改时间不晚于 {form.date_to}", form.url(date_to="")))
    return active


def _library_counts(session: Session, backend: SearchBackend, form: SearchForm, allowed: frozenset[str], page: SearchPage) -> dict[str, int]:
    """Count per library as if no library were chosen, so the user can switch libraries."""
    if not form.library:
        return page.facets.get("library", {})
    unfiltered = run_search(session, backend, form.q, form.filters(allowed, with_library=False), limit=1, facets=True)
    return unfiltered.facets.get("library", {})


def _pages(form: SearchForm, total: int) -> dict[str, object]:
    last = min((total + PAGE_SIZE - 1) // PAGE_SIZE, MAX_PAGE)
    return pagination(form.page, last, lambda n: form.url(page=n))


def _results_context(session: Session, backend: SearchBackend, form: SearchForm, allowed: frozenset[str]) -> dict[str, object]:
    offset = (form.page - 1) * PAGE_SIZE
    page = run_search(session, backend, form.q, form.filters(allowed), sort=form.sort, offset=offset, limit=PAGE_SIZE, facets=True)
    library_counts = _library_counts(session, backend, form, allowed, page)
    return {
        "page": page,
        "facet_groups": _facet_groups(session, form, page.facets, library_counts),
        "active_filters": _active_filters(session, form),
        "pages": _pages(form, page.total),
        "first_number": offset + 1,
    }


def _landing_context(session: Session, backend: SearchBackend, allowed: frozenset[str]) -> dict[str, object]:
    """Show each visible library with its document count before anything is searched."""
    overview = run_search(session, backend, "", SearchForm().filters(allowed), limit=1, facets=True)
    counts = overview.facets.get("library", {})
    shelves = [(lib, counts.get(lib.key, 0), SearchForm().url(library=lib.key)) for lib in LIBRARIES if lib.key in allowed]
    return {"page": None, "shelves": shelves}


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    backend: BackendDep,
    q: Annotated[str, Query(max_length=500)] = "",
    library: Annotated[str, Query(max_length=50)] = "",
    tag: Annotated[str, Query(max_length=100)] = "",
    customer: Annotated[str, Query(max_length=20)] = "",
    opportunity: Annotated[str, Query(max_length=20)] = "",
    format: Annotated[str, Query(max_length=10)] = "",
    date_from: Annotated[str, Query(max_length=10)] = "",
    date_to: Annotated[str, Query(max_length=10)] = "",
    sort: Annotated[str, Query(max_length=20)] = "relevance",
    page: int = 1,
) -> HTMLResponse:
    allowed = principal.allowed_libraries()
    form = SearchForm.clean(q, library, tag, customer, opportunity, format, date_from, date_to, sort, page)
    if form.library and form.library not in allowed:
        form = SearchForm.clean(q, "", tag, customer, opportunity, format, date_from, date_to, sort, page)
    context: dict[str, object] = {
        "form": form,
        "libraries": [lib for lib in LIBRARIES if lib.key in allowed],
        "sorts": [(key, SORT_LABELS[key]) for key in SORTS],
    }
    if form.is_active:
        context.update(_results_context(session, backend, form, allowed))
    else:
        context.update(_landing_context(session, backend, allowed))
    return render(request, "search.html", context, principal)
