"""Authentication: session cookies for people and bearer tokens for the CRM, plus CSRF and login limits."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy import func
from sqlmodel import Session, select

from kb.accounts import Principal, principal_for_token, principal_for_user
from kb.config import Settings
from kb.models import AuditEvent, User, utcnow
from kb.web.deps import SessionDep
from kb.web.errors import ApiError

SESSION_MAX_AGE_SECONDS = 8 * 3600
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILED_LOGINS = 5
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """A page was requested without a valid session; the handler redirects to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def secret_key(settings: Settings) -> str:
    """Return KB_SECRET_KEY, or a random key kept in the data folder so sessions survive restarts."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_root / "secret_key"
    settings.data_root.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
        path.chmod(0o600)
    except FileExistsError:
        pass
    return path.read_text(encoding="ascii").strip()


def _password_stamp(user: User) -> str:
    # Changing the password changes the stamp, which ends every older session.
    return user.password_hash[-12:]


def log_in(request: Request, user: User) -> None:
    request.session.clear()
    request.session.update({"uid": user.id, "stamp": _password_stamp(user), CSRF_FIELD: secrets.token_urlsafe(24)})


def log_out(request: Request) -> None:
    request.session.clear()


def _session_principal(request: Request, session: Session) -> Principal | None:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    user = session.get(User, uid)
    if user is None or not user.active or request.session.get("stamp") != _password_stamp(user):
        request.session.clear()
        return None
    return principal_for_user(user)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def optional_principal(request: Request, session: SessionDep) -> Principal | None:
    token = _bearer(request)
    if token is not None:
        return principal_for_token(session, token)
    return _session_principal(request, session)


def page_principal(request: Request, session: SessionDep) -> Principal:
    principal = _session_principal(request, session)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return principal


def api_principal(request: Request, session: SessionDep) -> Principal:
    token = _bearer(request)
    if token is not None:
        principal = principal_for_token(session, token)
        if principal is None:
            raise ApiError(401, "invalid_token", "访问令牌无效或已撤销。")
        return principal
    principal = _session_principal(request, session)
    if principal is None:
        raise ApiError(401, "unauthorized", "请先登录或提供有效的访问令牌。")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not _csrf_ok(request, request.headers.get(CSRF_HEADER)):
        raise ApiError(403, "csrf_failed", "请求缺少有效的 CSRF 令牌，请刷新页面后重试。")
    return principal


def api_writer(principal: Annotated[Principal, Depends(api_principal)]) -> Principal:
    if not principal.can_write:
        raise ApiError(403, "forbidden", "没有写入权限：需要编辑者角色或 write 权限范围。")
    return principal


def page_editor(principal: Annotated[Principal, Depends(page_principal)]) -> Principal:
    if not principal.can_write:
        raise ApiError(403, "forbidden", "只有编辑者和管理员可以执行此操作。")
    return principal


def page_admin(principal: Annotated[Principal, Depends(page_principal)]) -> Principal:
    if not principal.is_admin:
        raise ApiError(403, "forbidden", "只有管理员可以访问此页面。")
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]
PageEditor = Annotated[Principal, Depends(page_editor)]
PageAdmin = Annotated[Principal, Depends(page_admin)]
ApiPrincipal = Annotated[Principal, Depends(api_principal)]
ApiWriter = Annotated[Principal, Depends(api_writer)]


# -- CSRF ---------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(24)
        request.session[CSRF_FIELD] = token
    return token


def _csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.session.get(CSRF_FIELD)
    return bool(expected and submitted and hmac.compare_digest(str(expected), str(submitted)))


def check_csrf(request: Request, submitted: str | None) -> None:
    """Reject a form post whose CSRF token does not match the session's."""
    if not _csrf_ok(request, submitted):
        raise ApiError(403, "csrf_failed", "表单已过期或来源无效，请刷新页面后重试。")


# -- login rate limit ---------------------------------------------------------------


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_blocked(session: Session, name: str, address: str) -> bool:
    """Return True when this name or address failed to log in too often recently.

    Failures are counted in the audit log, so every application process reads the same count.
    """
    since = utcnow() - LOGIN_WINDOW
    failures = session.exec(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "login_failed",
            AuditEvent.at >= since,
            (AuditEvent.user == name) | (AuditEvent.detail == address),
        )
    ).one()
    return int(failures) >= MAX_FAILED_LOGINS


def login_redirect_target(next_url: str | None) -> str:
    """Only allow redirects to a local path after login."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//"):
        return next_url
    return "/"


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='')}"
