"""Administration pages: user accounts and the audit log; administrators only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func
from sqlmodel import Session, select

from kb.accounts import ROLES, AccountError, add_user, parse_grants, set_password
from kb.catalog import audit
from kb.libraries import LIBRARIES
from kb.models import AuditEvent, Document, User
from kb.web.auth import PageAdmin, check_csrf
from kb.web.deps import SessionDep
from kb.web.pages.common import ROLE_LABELS, flash, not_found, pagination, redirect, render

router = APIRouter(prefix="/admin")
AUDIT_PAGE_SIZE = 50
ACTION_LABELS = {
    "login": "登录",
    "login_failed": "登录失败",
    "download": "下载",
    "upload": "上传",
    "tag_add": "添加标签",
    "tag_remove": "移除标签",
    "customer_link": "关联客户",
    "customer_unlink": "取消关联客户",
    "opportunity_link": "关联商机",
    "opportunity_unlink": "取消关联商机",
    "customer_upsert": "同步客户",
    "opportunity_upsert": "同步商机",
    "user_add": "添加用户",
    "user_update": "修改用户",
    "password_reset": "重置密码",
}
CONFIDENTIAL = [lib for lib in LIBRARIES if lib.confidential]
Text = Annotated[str, Form(max_length=200)]
Grants = Annotated[list[str], Form()]


@router.get("/users", response_class=HTMLResponse)
def user_list(request: Request, principal: PageAdmin, session: SessionDep) -> HTMLResponse:
    users = session.exec(select(User).order_by(User.name)).all()
    context = {"users": users, "roles": [(r, ROLE_LABELS[r]) for r in ROLES], "confidential": CONFIDENTIAL}
    return render(request, "admin_users.html", context, principal)


@router.post("/users")
def user_add(
    request: Request, principal: PageAdmin, session: SessionDep, name: Text = "", password: Text = "", role: Text = "viewer", grants: Grants = [], csrf_token: Text = ""  # noqa: B006
) -> RedirectResponse:
    check_csrf(request, csrf_token)
    try:
        user = add_user(session, name, password, role=role, grants=",".join(grants))
    except AccountError as exc:
        session.rollback()
        flash(request, str(exc), "error")
        return redirect("/admin/users")
    audit(session, principal.name, "user_add", None, f"{user.name} {user.role} {user.grants}")
    session.commit()
    flash(request, f"已添加用户“{user.name}”。")
    return redirect("/admin/users")


def _update_user(session: Session, user: User, role: str, grants: list[str], active: bool, acting: str) -> None:
    """Change role, grants and active flag; an administrator cannot lock themselves out."""
    if role not in ROLES:
        raise AccountError(f"未知的角色：{role}。可选：{', '.join(ROLES)}")
    if user.name == acting and (role != "admin" or not active):
        raise AccountError("不能取消自己的管理员角色或停用自己的账号，请让另一位管理员操作。")
    user.role = role
    user.grants = parse_grants(",".join(grants))
    user.active = active
    session.add(user)


@router.post("/users/{user_id}")
def user_update(
    user_id: int,
    request: Request,
    principal: PageAdmin,
    session: SessionDep,
    role: Text = "viewer",
    grants: Grants = [],  # noqa: B006
    active: Text = "",
    csrf_token: Text = "",
) -> RedirectResponse:
    check_csrf(request, csrf_token)
    user = session.get(User, user_id)
    if user is None:
        raise not_found("找不到该用户。")
    try:
        _update_user(session, user, role, grants, active == "on", principal.name)
    except AccountError as exc:
        session.rollback()
        flash(request, str(exc), "error")
        return redirect("/admin/users")
    audit(session, principal.name, "user_update", None, f"{user.name} {user.role} {user.grants} active={user.active}")
    session.commit()
    flash(request, f"已更新用户“{user.name}”。")
    return redirect("/admin/users")


@router.post("/users/{user_id}/password")
def user_password(user_id: int, request: Request, principal: PageAdmin, session: SessionDep, password: Text = "", csrf_token: Text = "") -> RedirectResponse:
    check_csrf(request, csrf_token)
    user = session.get(User, user_id)
    if user is None:
        raise not_found("找不到该用户。")
    try:
        set_password(session, user.name, password)
    except AccountError as exc:
        flash(request, str(exc), "error")
        return redirect("/admin/users")
    audit(session, principal.name, "password_reset", None, user.name)
    session.commit()
    flash(request, f"已重置用户“{user.name}”的密码，该用户需要用新密码重新登录。")
    return redirect("/admin/users")


def _document_titles(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    ids = sorted({e.document_id for e in events if e.document_id is not None})
    if not ids:
        return {}
    rows = session.exec(select(Document.id, Document.title).where(Document.id.in_(ids))).all()  # type: ignore[union-attr]
    return {int(doc_id): title for doc_id, title in rows}


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, principal: PageAdmin, session: SessionDep, page: int = 1) -> HTMLResponse:
    total = int(session.exec(select(func.count(AuditEvent.id))).one())
    last = max(1, (total + AUDIT_PAGE_SIZE - 1) // AUDIT_PAGE_SIZE)
    page = min(max(page, 1), last)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).offset((page - 1) * AUDIT_PAGE_SIZE).limit(AUDIT_PAGE_SIZE)  # type: ignore[union-attr]
    events = list(session.exec(query).all())
    pages = pagination(page, last, lambda n: f"/admin/audit?page={n}")
    context = {"events": events, "titles": _document_titles(session, events), "actions": ACTION_LABELS, "pages": pages, "total": total}
    return render(request, "admin_audit.html", context, principal)
