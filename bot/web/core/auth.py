"""Counsellor sign-in for the web app: a signed session cookie naming a sign-in kept on the server, CSRF tokens
for forms, same-origin WebSockets."""

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from bot.store import sign_ins
from bot.vocabulary import UserRole, roles_for
from bot.web.core.hub import Counsellor

CONSOLE_ROLES = roles_for("console")
EDITOR_ROLES = roles_for("editor")
INSIGHTS_ROLES = roles_for("insights")
ADMIN_ROLES = roles_for("admin")
SIGN_IN_ROLES = tuple(role.value for role in UserRole)
SIGN_IN = "sign_in"  # the session cookie's key for the sign-in token (bot/store/sign_ins.py)
# The close code that sends a console page to the sign-in page.
SIGN_IN_FIRST = 4401


def home_for(role: str) -> str:
    """Where a person lands after signing in."""
    return "/console" if role in CONSOLE_ROLES else "/editor"


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


def check_csrf(request: Request, token: str) -> None:
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(expected, token or ""):
        raise HTTPException(status_code=403, detail="The form has expired. Please reload the page and try again.")


async def sign_in(request: Request, service, user) -> None:
    # A fresh session on sign-in, so a session planted before it is worth nothing.
    token = await service.db(sign_ins.start, user.id)
    request.session.clear()
    request.session.update({SIGN_IN: token, "csrf": secrets.token_urlsafe(32)})


async def sign_out(request: Request, service) -> None:
    """Ends the sign-in on the server too: a copy of the cookie no longer signs anyone in. (This browser's
    session is cleared first, so it is signed out even if the database cannot be reached.)"""
    token = request.session.get(SIGN_IN)
    request.session.clear()
    await service.db(sign_ins.end, token)


def same_origin(connection: HTTPConnection) -> bool:
    """A WebSocket from another site's page would carry the counsellor's cookie: accept only our own pages."""
    origin = connection.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc == connection.headers.get("host")


async def signed_in(connection: HTTPConnection, service, roles=CONSOLE_ROLES) -> Counsellor | None:
    """The signed-in person if their account is active and has one of `roles`, else None."""
    token = connection.session.get(SIGN_IN)
    if not token:
        return None
    user = await service.db(sign_ins.user_of, token)
    if user is None or user.role not in roles:
        return None
    return Counsellor(user.id, user.name, user.role, user.display_name)


class NotAllowed(Exception):
    """Raised by an area's role dependency (bot/web/deps.py); `refuse` answers it."""


class SignInAgain(NotAllowed):
    """NotAllowed, on a JSON API: answered with a JSON error a page's script shows, never a redirect."""


def answer_refusals(app) -> None:
    """Registered once, on the whole app: every area's refusals are answered by `refuse`."""
    app.add_exception_handler(NotAllowed, refuse)


async def refuse(connection: HTTPConnection, refused: Exception):
    """Sends a visitor who is not signed in to the login page; tells a signed-in person without the role so.
    A WebSocket from another site's page is refused at the handshake (HTTP 403); one without the sign-in is
    accepted and closed with SIGN_IN_FIRST, which sends the console page to the sign-in page."""
    if isinstance(connection, WebSocket):
        if same_origin(connection):
            await connection.accept()
            await connection.close(code=SIGN_IN_FIRST)
        else:
            await connection.close()
        return None
    if isinstance(refused, SignInAgain):
        return JSONResponse({"error": "Sign in again."}, status_code=403)
    if await signed_in(connection, connection.app.state.service, SIGN_IN_ROLES) is None:
        return RedirectResponse("/login", status_code=303)
    return HTMLResponse(
        "<!doctype html><html lang=en><title>Not allowed</title><main><h1>Not allowed</h1>"
        "<p>Your account cannot open this page. Ask an admin if you need it.</p></main></html>",
        status_code=403,
    )
