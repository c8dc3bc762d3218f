"""Server-side sign-ins for the web app's staff pages and console.

The session cookie holds only a random token. Only its SHA-256 is stored, so a copy of the database signs
nobody in. A sign-in ends when its person signs out, when their account is disabled (users.disable), or
SIGN_IN_HOURS after it began, whichever is first. After that, a copied cookie is worth nothing.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store import users
from bot.store.models import SignIn
from bot.store.utc import utc_now

SIGN_IN_HOURS = 12  # a long shift; the cookie's own max_age is the same


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start(session: Session, user_id: int, now: datetime | None = None) -> str:
    """Starts a sign-in for the account and returns the token for its cookie."""
    now = now or utc_now()
    token = secrets.token_urlsafe(32)
    session.add(
        SignIn(
            token_hash=_digest(token), user_id=user_id, started_at=now, expires_at=now + timedelta(hours=SIGN_IN_HOURS)
        )
    )
    session.flush()
    return token


def user_of(session: Session, token: str | None, now: datetime | None = None) -> users.UserView | None:
    """The account signed in with `token`, if that sign-in has not ended and the account is active."""
    if not token or not isinstance(token, str):
        return None
    sign_in = session.get(SignIn, _digest(token))
    if sign_in is None or sign_in.ended_at is not None or sign_in.expires_at <= (now or utc_now()):
        return None
    user = users.get_user(session, sign_in.user_id)
    return user if user and user.active else None


def end(session: Session, token: str | None, now: datetime | None = None) -> None:
    """Signs this browser out (nothing happens for a token that names no sign-in)."""
    if token and isinstance(token, str):
        session.execute(
            sa.update(SignIn)
            .where(SignIn.token_hash == _digest(token), SignIn.ended_at.is_(None))
            .values(ended_at=now or utc_now())
        )


def forget_finished(connection, now: datetime) -> int:
    """Deletes the sign-ins that have ended or expired (the retention job calls this); returns how many."""
    finished = sa.or_(SignIn.ended_at.is_not(None), SignIn.expires_at <= now)
    return connection.execute(sa.delete(SignIn.__table__).where(finished)).rowcount
