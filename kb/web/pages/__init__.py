"""HTML pages in Simplified Chinese; one module per area."""

from __future__ import annotations

from fastapi import APIRouter

from kb.web.pages import login, search
from kb.web.pages.common import render_error

router = APIRouter(include_in_schema=False)
router.include_router(login.router)
router.include_router(search.router)

__all__ = ["render_error", "router"]
