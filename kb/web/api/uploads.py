"""POST /api/v1/documents: upload files into a library, tagged and linked in one request."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session, select

from kb.accounts import Principal
from kb.catalog import CatalogError, add_tag, audit, link_customer, link_opportunity
from kb.indexing import reindex_documents
from kb.ingest.upload import UploadRejected, UploadResult, store_upload
from kb.libraries import BY_KEY, resolve_library
from kb.models import Customer, Document, Opportunity
from kb.search.backend import SearchBackend
from kb.web.api.common import document_summary, error_responses
from kb.web.api.multipart_form import UploadForm, read_upload_form
from kb.web.api.schemas import UploadItemOut, UploadOut
from kb.web.auth import ApiWriter
from kb.web.deps import BackendDep, SessionDep, SettingsDep
from kb.web.errors import ApiError

logger = logging.getLogger(__name__)
router = APIRouter(tags=["documents"])

# HTTP status for each UploadRejected code raised by kb.ingest.upload.
_REJECTION_STATUS = {
    "invalid_library": 422,
    "empty_file": 400,
    "file_too_large": 413,
    "unsupported_format": 415,
    "unreadable_file": 422,
    "name_conflict": 409,
    "invalid_folder": 422,
}

_REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "library"],
                "properties": {
                    "file": {"type": "array", "items": {"type": "string", "format": "binary"}, "description": "One or several files."},
                    "library": {"type": "string", "description": "Library key, e.g. `documents`."},
                    "title": {"type": "string", "description": "Title instead of the one read from the file; one file only."},
                    "tags": {"type": "string", "description": "Comma-separated tags, e.g. `报价,华东`."},
                    "customer": {"type": "string", "description": "External id of a customer to link."},
                    "opportunity": {"type": "string", "description": "External id of an opportunity to link."},
                    "folder": {"type": "string", "description": "Sub-folder inside the library, e.g. `华东区/2024`."},
                },
            }
        }
    },
}


@dataclass(frozen=True)
class UploadRequest:
    library: str
    title: str
    tags: tuple[str, ...]
    customer: Customer | None
    opportunity: Opportunity | None
    folder: str


async def upload_form(request: Request, settings: SettingsDep) -> UploadForm:
    return await read_upload_form(request, settings.max_upload_bytes)


def _party(session: Session, model: type[Customer] | type[Opportunity], external_id: str, code: str, label: str):  # type: ignore[no-untyped-def]
    if not external_id:
        return None
    party = session.exec(select(model).where(model.external_id == external_id)).first()
    if party is None:
        raise ApiError(422, code, f"{label}不存在：{external_id}。请先通过 API 创建。")
    return party


def _upload_request(session: Session, form: UploadForm, principal: Principal) -> UploadRequest:
    fields = form.fields
    raw_library = fields.get("library", "").strip()
    library = resolve_library(raw_library) if raw_library else None
    if library is None:
        raise ApiError(422, "invalid_library", f"未知的资料库：{raw_library or '（未填写）'}。可选：{', '.join(BY_KEY)}")
    if library not in principal.allowed_libraries():
        raise ApiError(403, "forbidden", f"没有上传到资料库 {library} 的权限。")
    if not form.files:
        raise ApiError(422, "missing_file", "请求中没有文件：请在表单项 file 中上传至少一个文件。")
    title = fields.get("title", "").strip()
    if title and len(form.files) > 1:
        raise ApiError(422, "invalid_parameter", "title 只能在上传单个文件时使用。")
    return UploadRequest(
        library=library,
        title=title[:300],
        tags=tuple(t.strip() for t in fields.get("tags", "").replace("，", ",").split(",") if t.strip()),
        customer=_party(session, Customer, fields.get("customer", "").strip(), "unknown_customer", "客户"),
        opportunity=_party(session, Opportunity, fields.get("opportunity", "").strip(), "unknown_opportunity", "商机"),
        folder=fields.get("folder", "").strip(),
    )


def _discard(session: Session, root: Path, stored: list[UploadResult]) -> None:
    """Undo the files stored so far in this request, so a rejected request leaves nothing behind."""
    session.rollback()
    for result in stored:
        if result.duplicate_of is None:
            (root / result.path).unlink(missing_ok=True)


def _store_files(session: Session, root: Path, form: UploadForm, request: UploadRequest, principal: Principal, max_bytes: int) -> list[UploadResult]:
    stored: list[UploadResult] = []
    allowed = principal.allowed_libraries()
    for upload in form.files:
        try:
            stored.append(store_upload(session, root, request.library, upload.filename, upload.data, allowed, max_bytes, request.folder))
        except UploadRejected as exc:
            logger.warning("rejected upload %s into %s by %s: %s", upload.filename, request.library, principal.name, exc.code)
            _discard(session, root, stored)
            raise ApiError(_REJECTION_STATUS.get(exc.code, 422), exc.code, exc.reason) from exc
        except BaseException:
            _discard(session, root, stored)
            raise
    return stored


def _annotate(session: Session, backend: SearchBackend, doc: Document, request: UploadRequest, user: str) -> None:
    """Apply the request's tags and links; each call commits and re-indexes the document."""
    try:
        for tag in request.tags:
            add_tag(session, backend, doc, tag, user)
    except CatalogError as exc:
        raise ApiError(422, "invalid_tag", str(exc)) from exc
    if request.customer is not None:
        link_customer(session, backend, doc, request.customer, user)
    if request.opportunity is not None:
        link_opportunity(session, backend, doc, request.opportunity, user)


@router.post(
    "/documents",
    status_code=201,
    response_model=UploadOut,
    summary="Upload documents",
    description=(
        "Stores each file in the library folder, reads its text and indexes it, so it is searchable when the "
        "response returns. Answers 201 when at least one file was new and 200 when every file was identical to "
        "a document already visible to the caller (`duplicate_of`); tags and links are applied to those too. "
        "When one file is rejected, no file of the request is kept. File names may be sent as UTF-8, as RFC 5987 "
        "`filename*`, percent-encoded or as GBK. The whole request may not exceed the upload limit plus 1 MB."
    ),
    openapi_extra={"requestBody": _REQUEST_BODY},
    responses={200: {"model": UploadOut, "description": "Every file was a duplicate."}, **error_responses(400, 401, 403, 409, 413, 415, 422)},
)
def upload_documents(
    principal: ApiWriter,
    form: Annotated[UploadForm, Depends(upload_form)],
    response: Response,
    session: SessionDep,
    backend: BackendDep,
    settings: SettingsDep,
) -> UploadOut:
    request = _upload_request(session, form, principal)
    stored = _store_files(session, settings.library_root, form, request, principal, settings.max_upload_bytes)

    created_ids = [r.document_id for r in stored if r.duplicate_of is None]
    for result in stored:
        doc = session.get(Document, result.document_id)
        assert doc is not None
        if request.title and result.duplicate_of is None:
            doc.title = request.title
            session.add(doc)
        detail = doc.path if result.duplicate_of is None else f"{result.filename} 与已有文档重复"
        audit(session, principal.name, "upload", doc.id, detail)
    session.commit()
    reindex_documents(session, backend, created_ids)

    items = []
    for result in stored:
        doc = session.get(Document, result.document_id)
        assert doc is not None
        _annotate(session, backend, doc, request, principal.name)
        items.append(UploadItemOut(document=document_summary(doc), created=result.duplicate_of is None, duplicate_of=result.duplicate_of))
    response.status_code = 201 if created_ids else 200
    return UploadOut(documents=items)
