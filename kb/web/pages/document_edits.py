"""Editor forms on the document page: tags, customer links and opportunity links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from kb import catalog
from kb.models import Customer, Opportunity
from kb.web.auth import PageEditor, check_csrf
from kb.web.deps import BackendDep, SessionDep
from kb.web.pages.common import flash, not_found, redirect
from kb.web.pages.documents import load_visible

router = APIRouter()
CsrfField = Annotated[str, Form()]
TagField = Annotated[str, Form(max_length=100)]
IdField = Annotated[int, Form()]


def _back(document_id: int) -> RedirectResponse:
    return redirect(f"/documents/{document_id}")


@router.post("/documents/{document_id}/tags")
def add_tag(document_id: int, request: Request, principal: PageEditor, session: SessionDep, backend: BackendDep, tag: TagField = "", csrf_token: CsrfField = "") -> RedirectResponse:
    check_csrf(request, csrf_token)
    doc = load_visible(session, document_id, principal)
    try:
        added = catalog.add_tag(session, backend, doc, tag, principal.name)
    except catalog.CatalogError as exc:
        flash(request, str(exc), "error")
        return _back(document_id)
    flash(request, f"已添加标签“{added.name}”。")
    return _back(document_id)


@router.post("/documents/{document_id}/tags/remove")
def remove_tag(document_id: int, request: Request, principal: PageEditor, session: SessionDep, backend: BackendDep, tag: TagField = "", csrf_token: CsrfField = "") -> RedirectResponse:
    check_csrf(request, csrf_token)
    doc = load_visible(session, document_id, principal)
    if catalog.remove_tag(session, backend, doc, tag, principal.name):
        flash(request, f"已移除标签“{tag}”。")
    else:
        flash(request, f"该文档没有标签“{tag}”。", "error")
    return _back(document_id)


@router.post("/documents/{document_id}/customers")
def link_customer(document_id: int, request: Request, principal: PageEditor, session: SessionDep, backend: BackendDep, customer_id: IdField = 0, csrf_token: CsrfField = "") -> RedirectResponse:
    check_csrf(request, csrf_token)
    doc = load_visible(session, document_id, principal)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise not_found("找不到该客户。")
    catalog.link_customer(session, backend, doc, customer, principal.name)
    flash(request, f"已关联客户“{customer.name}”。")
    return _back(document_id)


@router.post("/documents/{document_id}/customers/remove")
def unlink_customer(document_id: int, request: Request, principal: PageEditor, session: SessionDep, backend: BackendDep, customer_id: IdField = 0, csrf_token: CsrfField = "") -> RedirectResponse:
    check_csrf(request, csrf_token)
    doc = load_visible(session, document_id, principal)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise not_found("找不到该客户。")
    if catalog.unlink_customer(session, backend, doc, customer, principal.name):
        flash(request, f"已取消关联客户“{customer.name}”。")
    return _back(document_id)


@router.post("/documents/{document_id}/opportunities")
def link_opportunity(document_id: int, request: Request, principal: PageEditor, session: SessionDep, backend: BackendDep, opportunity_id: IdField = 0, csrf_token: CsrfField = "") -> RedirectResponse:
    check_csrf(request, csrf_token)
    doc = load_visible(session, document_id, principal)
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise not_found("找不到该商机。")
    catalog.link_opportunity(session, backend, doc, opportunity, principal.name)
    flash(request, f"已关联商机“{opportunity.name}”。")
    return _back(document_id)


@router.post("/documents/{document_id}/opportunities/remove")
def unlink_opportunity(document_id: int, request: Request, principal: PageEditor, session: SessionDep, backend: BackendDep, opportunity_id: IdField = 0, csrf_token: CsrfField = "") -> RedirectResponse:
    check_csrf(request, csrf_token)
    doc = load_visible(session, document_id, principal)
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise not_found("找不到该商机。")
    if catalog.unlink_opportunity(session, backend, doc, opportunity, principal.name):
        flash(request, f"已取消关联商机“{opportunity.name}”。")
    return _back(document_id)
