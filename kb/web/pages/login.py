"""Login and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from kb.accounts import authenticate
from kb.catalog import audit
from kb.web.auth import check_csrf, client_address, log_in, log_out, login_blocked, login_redirect_target
from kb.web.deps import SessionDep
from kb.web.pages.common import render

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": login_redirect_target(next), "error": None, "name": ""})


@router.post("/login", response_class=HTMLResponse, response_model=None)
def login_submit(
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form()] = "/",
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    check_csrf(request, csrf_token)
    address = client_address(request)
    target = login_redirect_target(next)
    if login_blocked(session, name, address):
        context = {"next": target, "error": "登录失败次数过多，请 15 分钟后再试。", "name": name}
        return render(request, "login.html", context, status_code=429)
    user = authenticate(session, name, password)
    if user is None:
        audit(session, name, "login_failed", None, address)
        session.commit()
        return render(request, "login.html", {"next": target, "error": "用户名或密码错误。", "name": name}, status_code=401)
    audit(session, user.name, "login", None, address)
    session.commit()
    log_in(request, user)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> RedirectResponse:
    check_csrf(request, csrf_token)
    log_out(request)
    return RedirectResponse("/login", status_code=303)
