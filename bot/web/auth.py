"""Counsellor sign-in for the web app: a signed session cookie, CSRF tokens for forms, same-origin WebSockets."""
import hmac
import secrets
from typing import Optional
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.requests import HTTPConnection

from bot.store import users
from bot.web.hub import Counsellor

CONSOLE_ROLES = ("counsellor", "supervisor", "admin")


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


def check_csrf(request: Request, token: str) -> None:
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(expected, token or ""):
        raise HTTPException(status_code=403, detail="The form has expired. Please reload the page and try again.")


def sign_in(request: Request, user) -> None:
    # A fresh session on sign-in, so a session id planted before it is worth nothing.
    request.session.clear()
    request.session.update({"user_id": user.id, "csrf": secrets.token_urlsafe(32)})


def same_origin(connection: HTTPConnection) -> bool:
    """A WebSocket from another site's page would carry the counsellor's cookie: accept only our own pages."""
    origin = connection.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc == connection.headers.get("host")


async def signed_in(connection: HTTPConnection, service) -> Optional[Counsellor]:
    user_id = connection.session.get("user_id")
    if not user_id:
        return None
    user = await service.db(users.get_user, user_id)
    if user is None or not user.active or user.role not in CONSOLE_ROLES:
        return None
    return Counsellor(user.id, user.name, user.role)
