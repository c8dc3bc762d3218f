"""Signing in and out, for every staff role; each lands on its own home (bot/web/core/auth.py home_for)."""

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.store import users
from bot.web.core import auth
from bot.web.deps import Service, Templates, check_form_csrf

router = APIRouter(dependencies=[Depends(check_form_csrf)])
DID_NOT_WORK = "That name and password did not work, or the account is locked for a while."


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, templates: Templates):
    return templates.TemplateResponse(request, "login.html", {"csrf": auth.csrf_token(request), "error": None})


@router.post("/login")
async def login(
    request: Request, service: Service, templates: Templates, name: str = Form(""), password: str = Form("")
):
    user = await service.db(users.authenticate, name, password)
    if user is None or user.role not in auth.SIGN_IN_ROLES:
        context = {"csrf": auth.csrf_token(request), "error": DID_NOT_WORK}
        return templates.TemplateResponse(request, "login.html", context, status_code=401)
    await auth.sign_in(request, service, user)
    return RedirectResponse(auth.home_for(user.role), status_code=303)


@router.post("/logout")
async def logout(request: Request, service: Service):
    await auth.sign_out(request, service)
    return RedirectResponse("/login", status_code=303)
