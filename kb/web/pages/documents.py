"""The document page and the download of the original file."""

from __future__ import annotations

import mimetypes
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlmodel import Session, select

from kb.accounts import Principal
from kb.catalog import audit, document_customers, document_opportunities, document_tags, visible_document
from kb.libraries import library_name
from kb.models import Customer, Document, DocumentStatus, DocumentVersion, Opportunity
from kb.search.backend import SearchBackend, SearchFilters
from kb.web.auth import PagePrincipal
from kb.web.deps import BackendDep, SessionDep, SettingsDep
from kb.web.pages.common import not_found, render

router = APIRouter()
PREVIEW_CHARS = 20000
RELATED_LIMIT = 6


@dataclass(frozen=True)
class Preview:
    paragraphs: list[str]
    total_chars: int
    truncated: bool


@dataclass(frozen=True)
class RelatedDocument:
    id: int
    title: str
    library_name: str


def load_visible(session: Session, document_id: int, principal: Principal) -> Document:
    """Return the document or raise the same 404 whether it is missing or hidden from this user."""
    doc = visible_document(session, document_id, principal.allowed_libraries())
    if doc is None:
        raise not_found()
    return doc


def make_preview(text: str) -> Preview:
    """Split the start of the extracted text into paragraphs for reading."""
    shown = text[:PREVIEW_CHARS]
    paragraphs = [line.strip() for line in shown.splitlines() if line.strip()]
    return Preview(paragraphs, len(text), len(text) > PREVIEW_CHARS)


def _related(session: Session, backend: SearchBackend, doc: Document, allowed: frozenset[str]) -> list[RelatedDocument]:
    assert doc.id is not None
    hits = backend.related(doc.id, doc.text, SearchFilters(allowed_libraries=allowed), limit=RELATED_LIMIT)
    ids = [hit.id for hit in hits]
    if not ids:
        return []
    rows = session.exec(select(Document).where(Document.id.in_(ids), Document.status == DocumentStatus.OK)).all()  # type: ignore[union-attr]
    by_id = {d.id: d for d in rows if d.library in allowed}
    return [RelatedDocument(i, by_id[i].title, library_name(by_id[i].library)) for i in ids if i in by_id]


def _versions(session: Session, document_id: int) -> list[DocumentVersion]:
    query = select(DocumentVersion).where(DocumentVersion.document_id == document_id).order_by(DocumentVersion.version.desc())  # type: ignore[attr-defined]
    return list(session.exec(query).all())


def _link_choices(session: Session, linked_customers: list[Customer], linked_opportunities: list[Opportunity]) -> dict[str, object]:
    # NOTE: every customer and opportunity is listed in a <select>; beyond a few thousand
    # rows this needs a search field instead.
    taken_customers = {c.id for c in linked_customers}
    taken_opportunities = {o.id for o in linked_opportunities}
    customers = session.exec(select(Customer).order_by(Customer.name)).all()
    opportunities = session.exec(select(Opportunity).order_by(Opportunity.name)).all()
    return {
        "customer_choices": [c for c in customers if c.id not in taken_customers],
        "opportunity_choices": [o for o in opportunities if o.id not in taken_opportunities],
    }


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(document_id: int, request: Request, principal: PagePrincipal, session: SessionDep, backend: BackendDep) -> HTMLResponse:
    doc = load_visible(session, document_id, principal)
    allowed = principal.allowed_libraries()
    customers = document_customers(session, document_id)
    opportunities = document_opportunities(session, document_id)
    context: dict[str, object] = {
        "doc": doc,
        "library_label": library_name(doc.library),
        "tags": document_tags(session, document_id),
        "customers": customers,
        "opportunities": opportunities,
        "preview": make_preview(doc.text),
        "related": _related(session, backend, doc, allowed),
        "versions": _versions(session, document_id),
    }
    if principal.can_write:
        context.update(_link_choices(session, customers, opportunities))
    return render(request, "document.html", context, principal)


def ascii_fallback(filename: str, document_id: int) -> str:
    """Return a plain ASCII file name for clients that ignore `filename*`."""
    folded = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    cleaned = "".join(ch for ch in folded if ch.isalnum() or ch in "-_. ").strip(" .")
    stem, suffix = Path(cleaned).stem, Path(filename).suffix
    if not stem or stem.startswith("."):
        return f"document-{document_id}{suffix if suffix.isascii() else ''}"
    return cleaned


def content_disposition(filename: str, document_id: int) -> str:
    """Build an RFC 6266 attachment header: an ASCII fallback plus the UTF-8 name (RFC 5987)."""
    return f"attachment; filename=\"{ascii_fallback(filename, document_id)}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _original_path(library_root: Path, doc: Document) -> Path:
    """Return the file of a document, refusing any path that leaves the library root."""
    root = library_root.resolve()
    path = (root / doc.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise not_found("找不到该文档的原始文件。请联系管理员重新导入资料库。")
    return path


@router.get("/documents/{document_id}/download")
def download(document_id: int, principal: PagePrincipal, session: SessionDep, settings: SettingsDep) -> FileResponse:
    doc = load_visible(session, document_id, principal)
    path = _original_path(settings.library_root, doc)
    audit(session, principal.name, "download", document_id, doc.path)
    session.commit()
    media_type = mimetypes.guess_type(doc.filename)[0] or "application/octet-stream"
    headers = {"Content-Disposition": content_disposition(doc.filename, document_id)}
    return FileResponse(path, media_type=media_type, headers=headers)
