"""HTML pages in Simplified Chinese; one module per area."""

from __future__ import annotations

from fastapi import APIRouter

from kb.web.pages import admin, document_edits, documents, login, parties, search, tags, upload
from kb.web.pages.common import render_error

router = APIRouter(include_in_schema=False)
for module in (login, search, documents, document_edits, upload, parties, tags, admin):
    router.include_router(module.router)

__all__ = ["render_error", "router"]
