"""Errors: JSON `{code, message}` for the API, an HTML page for the web pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """An error with an English code and a Chinese message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


_STATUS_MESSAGES = {
    400: ("bad_request", "请求无效。"),
    401: ("unauthorized", "请先登录或提供有效的访问令牌。"),
    403: ("forbidden", "没有执行此操作的权限。"),
    404: ("not_found", "找不到请求的内容。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    413: ("payload_too_large", "上传的文件过大。"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试。"),
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def install_error_handlers(app: FastAPI, render_error) -> None:  # type: ignore[no-untyped-def]
    """Register handlers; `render_error(request, status, message)` renders the HTML page."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):  # type: ignore[no-untyped-def]
        if _wants_json(request):
            return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)
        return render_error(request, exc.status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        code, message = _STATUS_MESSAGES.get(exc.status_code, ("error", "请求失败。"))
        if isinstance(exc.detail, str) and exc.detail and any("\u4e00" <= ch <= "\u9fff" for ch in exc.detail):
            message = exc.detail
        if _wants_json(request):
            return JSONResponse({"code": code, "message": message}, status_code=exc.status_code, headers=exc.headers)
        return render_error(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):  # type: ignore[no-untyped-def]
        fields = ", ".join(".".join(str(p) for p in err.get("loc", ())[1:]) for err in exc.errors())
        message = f"参数无效：{fields}" if fields else "参数无效。"
        if _wants_json(request):
            return JSONResponse({"code": "invalid_parameter", "message": message, "fields": fields}, status_code=422)
        return render_error(request, 422, message)
