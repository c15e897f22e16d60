"""The upload page: several files at once, each stored, ingested and indexed before the page returns."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from sqlmodel import Session, select

from kb import catalog
from kb.accounts import Principal
from kb.config import Settings
from kb.indexing import reindex_documents
from kb.ingest.upload import UploadRejected, UploadResult, store_upload
from kb.libraries import LIBRARIES
from kb.models import Customer, Document, Opportunity
from kb.search.backend import SearchBackend
from kb.web.auth import PageEditor, check_csrf
from kb.web.deps import BackendDep, SessionDep, SettingsDep
from kb.web.pages.common import render

logger = logging.getLogger(__name__)
router = APIRouter()
MAX_FILES = 20
_TAG_SPLIT_RE = re.compile(r"[,，、;；\n]+")


@dataclass(frozen=True)
class UploadOptions:
    """Title, tags and links from the form, applied to every stored file."""

    library: str
    title: str
    tags: list[str]
    customer: Customer | None
    opportunity: Opportunity | None


@dataclass(frozen=True)
class FileReport:
    """One line of the result list: `status` is stored, duplicate or rejected."""

    filename: str
    status: str
    document_id: int | None = None
    title: str = ""
    reason: str = ""


def _form_context(session: Session, principal: Principal) -> dict[str, object]:
    allowed = principal.allowed_libraries()
    return {
        "libraries": [lib for lib in LIBRARIES if lib.key in allowed],
        "customers": session.exec(select(Customer).order_by(Customer.name)).all(),
        "opportunities": session.exec(select(Opportunity).order_by(Opportunity.name)).all(),
    }


def _read_limited(upload: UploadFile, max_bytes: int) -> bytes:
    """Read at most one byte more than allowed, so that an oversized file is detected without reading it all."""
    return upload.file.read(max_bytes + 1)


def _apply_options(session: Session, backend: SearchBackend, result: UploadResult, options: UploadOptions, user: str) -> Document:
    doc = session.get(Document, result.document_id)
    assert doc is not None
    if options.title:
        doc.title = options.title
        session.add(doc)
    catalog.audit(session, user, "upload", doc.id, result.path)
    session.commit()
    for tag in options.tags:
        catalog.add_tag(session, backend, doc, tag, user)
    if options.customer is not None:
        catalog.link_customer(session, backend, doc, options.customer, user)
    if options.opportunity is not None:
        catalog.link_opportunity(session, backend, doc, options.opportunity, user)
    reindex_documents(session, backend, [result.document_id])
    return doc


def _store_one(session: Session, backend: SearchBackend, settings: Settings, upload: UploadFile, options: UploadOptions, principal: Principal) -> FileReport:
    name = upload.filename or "未命名文件"
    data = _read_limited(upload, settings.max_upload_bytes)
    try:
        result = store_upload(
            session, settings.library_root, options.library, name, data, principal.allowed_libraries(), settings.max_upload_bytes
        )
    except UploadRejected as exc:
        # The pipeline may have flushed a failed row for a file that is already deleted again.
        session.rollback()
        return FileReport(name, "rejected", reason=exc.reason)
    if result.duplicate_of is not None:
        existing = session.get(Document, result.duplicate_of)
        return FileReport(name, "duplicate", result.duplicate_of, existing.title if existing else result.filename)
    doc = _apply_options(session, backend, result, options, principal.name)
    logger.info("user %s uploaded %s as document %s", principal.name, result.path, doc.id)
    return FileReport(name, "stored", doc.id, doc.title)


def _options(session: Session, library: str, title: str, tags: str, customer_id: str, opportunity_id: str, single_file: bool) -> UploadOptions:
    customer = session.get(Customer, int(customer_id)) if customer_id.isdigit() else None
    opportunity = session.get(Opportunity, int(opportunity_id)) if opportunity_id.isdigit() else None
    names = [t.strip() for t in _TAG_SPLIT_RE.split(tags) if t.strip()]
    # A title typed once cannot name several different files.
    return UploadOptions(library, title.strip() if single_file else "", names, customer, opportunity)


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, principal: PageEditor, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    context = {**_form_context(session, principal), "reports": None, "max_mb": settings.max_upload_bytes // (1024 * 1024)}
    return render(request, "upload.html", context, principal)


@router.post("/upload", response_class=HTMLResponse)
def upload_submit(
    request: Request,
    principal: PageEditor,
    session: SessionDep,
    backend: BackendDep,
    settings: SettingsDep,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies defaults per request
    library: Annotated[str, Form(max_length=50)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    tags: Annotated[str, Form(max_length=500)] = "",
    customer_id: Annotated[str, Form(max_length=20)] = "",
    opportunity_id: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    chosen = [f for f in files if f.filename]
    options = _options(session, library, title, tags, customer_id, opportunity_id, len(chosen) == 1)
    reports = [_store_one(session, backend, settings, f, options, principal) for f in chosen[:MAX_FILES]]
    reports += [FileReport(f.filename or "", "rejected", reason=f"一次最多上传 {MAX_FILES} 个文件，请分批上传。") for f in chosen[MAX_FILES:]]
    context = {
        **_form_context(session, principal),
        "reports": reports,
        "selected_library": library,
        "max_mb": settings.max_upload_bytes // (1024 * 1024),
        "no_files": not chosen,
    }
    return render(request, "upload.html", context, principal)
