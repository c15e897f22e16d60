"""Documents: metadata, download of the original file, and tags."""

from __future__ import annotations

import mimetypes
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse
from sqlmodel import Session, select

from kb.catalog import CatalogError, add_tag, audit, document_customers, document_opportunities, document_tags, remove_tag
from kb.models import Document, DocumentVersion
from kb.web.api.common import ApiReader, document_summary, error_responses, require_document
from kb.web.api.filenames import content_disposition
from kb.web.api.schemas import DocumentOut, PartyRef, TagsOut, VersionOut
from kb.web.auth import ApiWriter
from kb.web.deps import BackendDep, SessionDep, SettingsDep
from kb.web.errors import ApiError

router = APIRouter(tags=["documents"])

# Database ids are signed 32-bit integers in PostgreSQL; a larger value would overflow.
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Document id, as returned by search.")]
TagName = Annotated[str, Path(min_length=1, max_length=50, description="Tag name; URL-encode Chinese text.")]


def _versions(session: Session, document_id: int) -> list[VersionOut]:
    rows = session.exec(
        select(DocumentVersion).where(DocumentVersion.document_id == document_id).order_by(DocumentVersion.version)
    ).all()
    return [VersionOut(version=v.version, path=v.path, sha256=v.sha256, size=v.size, recorded_at=v.recorded_at) for v in rows]


def document_out(session: Session, doc: Document, preview_chars: int) -> DocumentOut:
    assert doc.id is not None
    summary = document_summary(doc)
    return DocumentOut(
        **summary.model_dump(),
        sha256=doc.sha256,
        author=doc.author,
        created=doc.created,
        pages=doc.pages,
        status=doc.status,
        version=doc.version,
        tags=document_tags(session, doc.id),
        customers=[PartyRef(external_id=c.external_id, name=c.name) for c in document_customers(session, doc.id)],
        opportunities=[PartyRef(external_id=o.external_id, name=o.name) for o in document_opportunities(session, doc.id)],
        versions=_versions(session, doc.id),
        text_preview=doc.text[:preview_chars],
        text_length=len(doc.text),
    )


@router.get(
    "/documents/{document_id}",
    response_model=DocumentOut,
    summary="Get a document's metadata",
    description="Metadata, tags, linked customers and opportunities, versions and the start of the extracted text.",
    responses=error_responses(401, 403, 404, 422),
)
def get_document(
    document_id: DocumentId,
    principal: ApiReader,
    session: SessionDep,
    preview_chars: Annotated[int, Query(ge=0, le=20000, description="Characters of text to include.")] = 2000,
) -> DocumentOut:
    doc = require_document(session, document_id, principal)
    return document_out(session, doc, preview_chars)


@router.get(
    "/documents/{document_id}/file",
    response_class=FileResponse,
    summary="Download the original file",
    description="Returns the file as stored in its library folder, as an attachment named with its Chinese name.",
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The original file."}, **error_responses(401, 403, 404)},
)
def download_document(document_id: DocumentId, principal: ApiReader, session: SessionDep, settings: SettingsDep) -> FileResponse:
    doc = require_document(session, document_id, principal)
    root = settings.library_root
    path = (root / doc.path).resolve()
    # A path stored by an older run, or a symbolic link, must not lead outside the library.
    if not path.is_relative_to(root) or not path.is_file():
        raise ApiError(404, "file_not_found", f"文档 {document_id} 的原文件不在资料库中，可能已被移动或删除。")
    audit(session, principal.name, "download", doc.id, doc.path)
    session.commit()
    media_type = mimetypes.guess_type(doc.filename)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, headers={"Content-Disposition": content_disposition(doc.filename)})


@router.put(
    "/documents/{document_id}/tags/{tag}",
    response_model=TagsOut,
    summary="Add a tag to a document",
    description="Idempotent: adding a tag the document already carries changes nothing. The index is updated before the response.",
    responses=error_responses(401, 403, 404, 422),
)
def put_tag(document_id: DocumentId, tag: TagName, principal: ApiWriter, session: SessionDep, backend: BackendDep) -> TagsOut:
    doc = require_document(session, document_id, principal)
    try:
        add_tag(session, backend, doc, tag, principal.name)
    except CatalogError as exc:
        raise ApiError(422, "invalid_tag", str(exc)) from exc
    return TagsOut(document_id=document_id, tags=document_tags(session, document_id))


@router.delete(
    "/documents/{document_id}/tags/{tag}",
    response_model=TagsOut,
    summary="Remove a tag from a document",
    description="Idempotent: removing a tag the document does not carry changes nothing. Returns the remaining tags.",
    responses=error_responses(401, 403, 404, 422),
)
def delete_tag(document_id: DocumentId, tag: TagName, principal: ApiWriter, session: SessionDep, backend: BackendDep) -> TagsOut:
    doc = require_document(session, document_id, principal)
    remove_tag(session, backend, doc, tag, principal.name)
    return TagsOut(document_id=document_id, tags=document_tags(session, document_id))

