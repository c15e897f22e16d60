"""REST API under /api/v1 for the CRM and scripts, plus its offline documentation pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.security import HTTPBearer

from kb.web.api import docs, documents, parties, recommendations, search, suggest, uploads

# Declares bearer tokens in the OpenAPI schema so Swagger UI offers them. kb.web.auth checks them.
bearer_scheme = HTTPBearer(auto_error=False, description="An API token made with `kb token create`.")

v1 = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)])
v1.include_router(search.router)
v1.include_router(suggest.router)
v1.include_router(documents.router)
v1.include_router(uploads.router)
v1.include_router(parties.router)
v1.include_router(recommendations.router)

router = APIRouter()
router.include_router(v1)
router.include_router(docs.router)

__all__ = ["router"]
