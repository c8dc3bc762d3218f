"""Accounts: argon2 hashes, case-insensitive names, lockout with backoff, and the command line."""

import getpass
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from bot import settings
from bot.store.db import make_engine, session_scope
from bot.store.models import User
from bot.store.users import (
    NameTaken,
    WeakPassword,
    authenticate,
    create_user,
    disable,
    find_user,
    get_user,
    list_users,
    set_display_name,
    set_password,
)
from bot.users import __main__ as users_cli
from tests.store.databases import run_command

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"
WRONG = "incorrect horse battery"


@pytest.fixture
def sam(engine) -> int:
    with session_scope(engine) as session:
        return create_user(session, "Sam", "counsellor", PASSWORD).id


def _sign_in(engine, password: str, at: datetime, name: str = "sam"):
    with session_scope(engine) as session:
        return authenticate(session, name, password, now=at)


def _stored(engine, user_id: int) -> User:
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        session.expunge(user)
        return user


def test_the_right_password_signs_in_whatever_the_case_of_the_name(engine, sam):
    signed_in = _sign_in(engine, PASSWORD, T0, name="  SAM ")

    assert (signed_in.id, signed_in.name, signed_in.role, signed_in.active) == (sam, "sam", "counsellor", True)
    stored = _stored(engine, sam)
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash


def test_wrong_password_or_unknown_name_does_not_sign_in(engine, sam):
    assert _sign_in(engine, WRONG, T0) is None
    assert _sign_in(engine, PASSWORD, T0, name="kim") is None
    assert _sign_in(engine, PASSWORD, T0, name="") is None


def test_names_are_unique_ignoring_case(engine, sam):
    with pytest.raises(NameTaken), session_scope(engine) as session:
        create_user(session, "SAM", "admin", PASSWORD)
    with session_scope(engine) as session:
        assert [user.name for user in list_users(session)] == ["sam"]


def test_short_passwords_names_and_unknown_roles_are_refused(engine):
    refusals = [
        (WeakPassword, "sam", "counsellor", "x" * 11),
        (ValueError, "   ", "counsellor", PASSWORD),
        (ValueError, "x" * 65, "counsellor", PASSWORD),
        (ValueError, "sam", "boss", PASSWORD),
    ]
    for error, name, role, password in refusals:
        with pytest.raises(error), session_scope(engine) as session:
            create_user(session, name, role, password)
    with session_scope(engine) as session:
        create_user(session, "sam", "supervisor", "x" * 12)
        assert len(list_users(session)) == 1


def test_a_disabled_account_cannot_sign_in(engine, sam):
    with session_scope(engine) as session:
        disable(session, sam)

    assert _sign_in(engine, PASSWORD, T0) is None
    with session_scope(engine) as session:
        assert get_user(session, sam).active is False
        assert find_user(session, "Sam").active is False


def test_five_failures_lock_the_account_for_a_minute(engine, sam):
    for attempt in range(4):
        assert _sign_in(engine, WRONG, T0 + timedelta(seconds=attempt)) is None
    assert _sign_in(engine, PASSWORD, T0 + timedelta(seconds=4)) is not None
    assert _stored(engine, sam).failed_logins == 0

    for _ in range(5):
        assert _sign_in(engine, WRONG, T0) is None

    assert _sign_in(engine, PASSWORD, T0 + timedelta(seconds=59)) is None
    assert _sign_in(engine, PASSWORD, T0 + timedelta(minutes=1)) is not None
    stored = _stored(engine, sam)
    assert (stored.failed_logins, stored.locked_until) == (0, None)


def test_each_failure_after_a_lockout_doubles_it_up_to_an_hour(engine, sam):
    for _ in range(4):
        _sign_in(engine, WRONG, T0)
    at = T0
    for lockout_minutes in [1, 2, 4, 8, 16, 32, 60, 60]:
        assert _sign_in(engine, WRONG, at) is None
        assert _stored(engine, sam).locked_until == at + timedelta(minutes=lockout_minutes)
        # Attempts during the lockout neither count nor extend it.
        assert _sign_in(engine, WRONG, at + timedelta(seconds=30)) is None
        at += timedelta(minutes=lockout_minutes)

    assert _sign_in(engine, PASSWORD, at) is not None


def test_an_old_hash_is_upgraded_at_sign_in(engine, sam):
    weak_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with session_scope(engine) as session:
        session.get(User, sam).password_hash = weak_hash

    assert _sign_in(engine, PASSWORD, T0) is not None
    upgraded = _stored(engine, sam).password_hash
    assert upgraded != weak_hash
    assert not PasswordHasher().check_needs_rehash(upgraded)
    assert _sign_in(engine, PASSWORD, T0) is not None


def test_a_new_password_replaces_the_old_and_lifts_a_lockout(engine, sam):
    for _ in range(5):
        _sign_in(engine, WRONG, T0)
    with session_scope(engine) as session:
        set_password(session, sam, "a much better passphrase")

    assert _sign_in(engine, PASSWORD, T0) is None
    assert _sign_in(engine, "a much better passphrase", T0) is not None
    with pytest.raises(WeakPassword), session_scope(engine) as session:
        set_password(session, sam, "short")
    with pytest.raises(LookupError), session_scope(engine) as session:
        set_password(session, sam + 1, PASSWORD)


def test_lookups_never_return_the_hash(engine, sam):
    with session_scope(engine) as session:
        views = [get_user(session, sam), find_user(session, "sam"), *list_users(session)]
        assert get_user(session, sam + 1) is None and find_user(session, "kim") is None
    for view in views:
        assert "argon2" not in repr(view)


def _cli(url: str, *args: str, password_input: str | None = None) -> subprocess.CompletedProcess:
    return run_command("bot.users", url, *args, input=password_input)


def test_command_line_adds_lists_and_disables_accounts(tmp_path):
    url = f"sqlite:///{tmp_path / 'var' / 'bot.db'}"

    added = _cli(url, "add", "Sam", "--role", "supervisor", "--password-stdin", password_input=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert (
        _cli(url, "add", "kim", "--role", "counsellor", "--password-stdin", password_input=PASSWORD + "\n").returncode
        == 0
    )
    taken = _cli(url, "add", "SAM", "--role", "admin", "--password-stdin", password_input=PASSWORD + "\n")
    short = _cli(url, "add", "lee", "--role", "admin", "--password-stdin", password_input="short\n")
    assert (taken.returncode, short.returncode) == (1, 1)
    assert "already" in taken.stderr and "12" in short.stderr
    assert _cli(url, "add", "lee", "--role", "boss", "--password-stdin", password_input=PASSWORD + "\n").returncode == 2

    assert _cli(url, "disable", "Kim").returncode == 0
    assert _cli(url, "disable", "nobody").returncode == 1
    listed = _cli(url, "list")
    assert listed.returncode == 0
    assert listed.stdout == "kim\tcounsellor\tdisabled\nsam\tsupervisor\tactive\n"

    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            assert authenticate(session, "sam", PASSWORD) is not None
            assert authenticate(session, "kim", PASSWORD) is None
            assert "argon2" not in listed.stdout
            assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
    finally:
        engine.dispose()


def test_command_line_asks_for_the_password_twice(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setattr(settings, "DATABASE_URL", url)
    answers = iter([PASSWORD, "not the same password", PASSWORD, PASSWORD])
    monkeypatch.setattr(getpass, "getpass", lambda prompt: next(answers))

    monkeypatch.setattr(sys, "argv", ["bot.users", "add", "sam", "--role", "counsellor"])
    with pytest.raises(SystemExit, match="passwords differ"):
        users_cli.main()
    users_cli.main()

    assert capsys.readouterr().out == "Added sam (counsellor).\n"
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            assert authenticate(session, "sam", PASSWORD) is not None
    finally:
        engine.dispose()


def test_the_name_children_see_is_kept_apart_from_the_sign_in_name(engine, sam):
    with session_scope(engine) as session:
        assert get_user(session, sam).display_name == ""
        set_display_name(session, sam, "  Sam   R ")
    with session_scope(engine) as session:
        assert get_user(session, sam).display_name == "Sam R"
        assert get_user(session, sam).name == "sam"
        with pytest.raises(ValueError):
            set_display_name(session, sam, "x" * 41)
        set_display_name(session, sam, "")
    with session_scope(engine) as session:
        assert get_user(session, sam).display_name == ""
        assert create_user(session, "jo-login", "counsellor", PASSWORD, "Jo").display_name == "Jo"
