"""Counsellor and staff accounts: argon2 password hashes and lockout after repeated failures."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from bot.store.models import SignIn, User, UserRole
from bot.store.utc import utc_now

MIN_PASSWORD_LENGTH = 12
FAILURES_BEFORE_LOCKOUT = 5
FIRST_LOCKOUT = timedelta(minutes=1)
LONGEST_LOCKOUT = timedelta(hours=1)
NAME_LENGTH = 64
DISPLAY_NAME_LENGTH = 40

_hasher = PasswordHasher()


class NameTaken(ValueError):
    """Another account already has that name."""


class WeakPassword(ValueError):
    """The password is shorter than MIN_PASSWORD_LENGTH."""


@dataclass(frozen=True)
class UserView:
    """An account without its password hash."""

    id: int
    name: str
    role: str
    active: bool
    display_name: str = ""  # what a child sees; "" when none was given


def _view(user: User) -> UserView:
    return UserView(
        id=user.id,
        name=user.name,
        role=UserRole(user.role).value,
        active=user.active,
        display_name=user.display_name or "",
    )


def clean_display_name(display_name: str) -> str | None:
    """The name a child will see, trimmed, or None for none; raises ValueError for one too long or not one line."""
    shown = " ".join(display_name.split())
    if len(shown) > DISPLAY_NAME_LENGTH:
        raise ValueError(f"the name shown to children can have at most {DISPLAY_NAME_LENGTH} characters")
    return shown or None


def normalise_name(name: str) -> str:
    """Returns the stored form of a name: trimmed and lower-case, so names ignore case."""
    normal = name.strip().lower()
    if not normal or len(normal) > NAME_LENGTH:
        raise ValueError(f"a name must have 1 to {NAME_LENGTH} characters")
    return normal


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


@cache
def _hash_of_nobody() -> str:
    return _hasher.hash("no account has this password")


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _lockout(failures: int) -> timedelta:
    doublings = min(failures - FAILURES_BEFORE_LOCKOUT, 16)
    return min(FIRST_LOCKOUT * 2**doublings, LONGEST_LOCKOUT)


def _by_name(session: Session, name: str, for_update: bool = False) -> User | None:
    query = sa.select(User).where(User.name == normalise_name(name))
    if for_update:
        query = query.with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def create_user(session: Session, name: str, role: UserRole | str, password: str, display_name: str = "") -> UserView:
    """Creates an active account; raises NameTaken, WeakPassword or ValueError."""
    name = normalise_name(name)
    user = User(
        name=name,
        display_name=clean_display_name(display_name),
        role=UserRole(role),
        password_hash=_hash(password),
        active=True,
        created_at=utc_now(),
        failed_logins=0,
    )
    try:
        with session.begin_nested():
            session.add(user)
    except sa.exc.IntegrityError:
        raise NameTaken(f"there is already an account called {name!r}") from None
    return _view(user)


def authenticate(session: Session, name: str, password: str, now: datetime | None = None) -> UserView | None:
    """Returns the account if the password is right and it is active and not locked out."""
    now = now or utc_now()
    try:
        user = _by_name(session, name, for_update=True)
    except ValueError:
        user = None
    # Checking a hash even for unknown names keeps response times from revealing names.
    password_ok = _matches(user.password_hash if user else _hash_of_nobody(), password)
    if user is None or not user.active:
        return None
    if user.locked_until is not None and now < user.locked_until:
        return None
    if not password_ok:
        user.failed_logins += 1
        if user.failed_logins >= FAILURES_BEFORE_LOCKOUT:
            user.locked_until = now + _lockout(user.failed_logins)
        return None
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return _view(user)


def get_user(session: Session, user_id: int) -> UserView | None:
    """Returns the account with that id, active or not."""
    user = session.get(User, user_id)
    return _view(user) if user else None


def find_user(session: Session, name: str) -> UserView | None:
    """Returns the account with that name (any case), active or not."""
    user = _by_name(session, name)
    return _view(user) if user else None


def list_users(session: Session) -> list[UserView]:
    """Returns every account, by name."""
    return [_view(user) for user in session.scalars(sa.select(User).order_by(User.name))]


def _existing(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"no account with id {user_id}")
    return user


def set_password(session: Session, user_id: int, password: str) -> None:
    """Replaces the password and lifts any lockout."""
    user = _existing(session, user_id)
    user.password_hash = _hash(password)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()


def disable(session: Session, user_id: int) -> None:
    """Stops the account from signing in and signs it out everywhere; its messages and notes keep its name."""
    _existing(session, user_id).active = False
    session.execute(
        sa.update(SignIn).where(SignIn.user_id == user_id, SignIn.ended_at.is_(None)).values(ended_at=utc_now())
    )
    session.flush()


def set_display_name(session: Session, user_id: int, display_name: str) -> None:
    """Sets (or, with "", removes) the name children see for this account."""
    _existing(session, user_id).display_name = clean_display_name(display_name)
