"""Interactive API documentation served without any CDN, for logged-in users and token holders.

FastAPI's default /docs page loads Swagger UI from a CDN; kb serves the Swagger UI 5
files that the fastapi-offline package ships instead, so the page works on a network
without internet. Swagger UI 5 reads the OpenAPI 3.1 schema that FastAPI produces.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from kb.accounts import Principal
from kb.web.auth import LoginRequired, optional_principal
from kb.web.errors import ApiError

router = APIRouter(include_in_schema=False)

ASSET_PREFIX = "/docs/assets"
ASSET_DIR = Path(importlib.util.find_spec("fastapi_offline").origin).parent / "static"  # type: ignore[arg-type,union-attr]
# The only files of the bundle the page loads.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}

OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


@router.get("/docs")
def swagger_page(request: Request, principal: OptionalPrincipal) -> HTMLResponse:
    if principal is None:
        raise LoginRequired("/docs")
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{ASSET_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSET_PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{ASSET_PREFIX}/favicon.png",
    )


@router.get("/openapi.json")
def openapi_schema(request: Request, principal: OptionalPrincipal) -> JSONResponse:
    if principal is None:
        return JSONResponse({"code": "unauthorized", "message": "请先登录或提供有效的访问令牌。"}, status_code=401)
    return JSONResponse(request.app.openapi())


@router.get(ASSET_PREFIX + "/{name}")
def swagger_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise ApiError(404, "not_found", f"找不到文件：{name}")
    return FileResponse(ASSET_DIR / name, media_type=ASSETS[name])
