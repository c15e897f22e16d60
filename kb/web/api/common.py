"""Pieces shared by the API modules: readers, error documentation, document lookups."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from sqlmodel import Session

from kb.accounts import Principal
from kb.catalog import visible_document
from kb.libraries import library_name
from kb.models import Document
from kb.web.api.schemas import DocumentSummaryOut, ErrorOut
from kb.web.auth import api_principal
from kb.web.errors import ApiError

_ERROR_TEXT = {
    400: "Malformed request body.",
    401: "Missing, invalid or revoked token, and no valid login session.",
    403: "Authenticated, but the token scope or user role does not allow this (or the CSRF header is missing).",
    404: "Unknown id, or a document in a library the caller may not see.",
    409: "Conflicts with the current state.",
    413: "Upload larger than the configured limit.",
    415: "Unsupported file format or request content type.",
    422: "Invalid parameter or body field.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Describe the given error statuses in the OpenAPI schema, all with the ErrorOut body."""
    return {status: {"model": ErrorOut, "description": _ERROR_TEXT[status]} for status in statuses}


def api_reader(principal: Annotated[Principal, Depends(api_principal)]) -> Principal:
    if not principal.can_read:
        raise ApiError(403, "forbidden", "没有读取权限：需要 read 权限范围。")
    return principal


ApiReader = Annotated[Principal, Depends(api_reader)]


def not_found_document(document_id: int) -> ApiError:
    # One response for a missing document and for one the caller may not see, so ids reveal nothing.
    return ApiError(404, "not_found", f"找不到文档：{document_id}")


def require_document(session: Session, document_id: int, principal: Principal) -> Document:
    doc = visible_document(session, document_id, principal.allowed_libraries())
    if doc is None:
        raise not_found_document(document_id)
    return doc


def document_summary(doc: Document) -> DocumentSummaryOut:
    assert doc.id is not None
    return DocumentSummaryOut(
        id=doc.id,
        title=doc.title,
        library=doc.library,
        library_name=library_name(doc.library),
        path=doc.path,
        folder=doc.folder,
        filename=doc.filename,
        format=doc.format,
        size=doc.size,
        modified=doc.modified,
    )
