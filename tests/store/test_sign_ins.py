"""Server-side sign-ins: a token signs its account in until it is signed out, expires, or the account is
disabled; the database keeps only the token's hash; the retention job forgets finished sign-ins."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.store import retention, sign_ins
from bot.store.db import session_scope
from bot.store.models import SignIn
from bot.store.users import create_user, disable
from bot.store.utc import utc_now

PASSWORD = "correct horse battery"


@pytest.fixture
def sam(engine) -> int:
    with session_scope(engine) as session:
        return create_user(session, "Sam", "counsellor", PASSWORD).id


def signed_in_as(engine, token, now=None):
    with session_scope(engine) as session:
        user = sign_ins.user_of(session, token, now)
        return user.name if user else None


def start(engine, user_id, now=None) -> str:
    with session_scope(engine) as session:
        return sign_ins.start(session, user_id, now)


def test_a_token_signs_its_account_in_and_no_other_token_does(engine, sam):
    token = start(engine, sam)
    assert signed_in_as(engine, token) == "sam"
    for other in (token[:-1], token + "x", "", None, "\ud800", 12345):
        assert signed_in_as(engine, other) is None


def test_only_the_hash_of_the_token_is_stored(engine, sam):
    token = start(engine, sam)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(SignIn.__table__)).all()
    assert len(rows) == 1
    assert token not in " ".join(str(value) for value in rows[0])


def test_signing_out_ends_this_sign_in_only(engine, sam):
    here, elsewhere = start(engine, sam), start(engine, sam)
    with session_scope(engine) as session:
        sign_ins.end(session, here)
    assert signed_in_as(engine, here) is None
    assert signed_in_as(engine, elsewhere) == "sam"


def test_a_sign_in_expires_after_a_shift(engine, sam):
    began = utc_now()
    token = start(engine, sam, began)
    assert signed_in_as(engine, token, began + timedelta(hours=sign_ins.SIGN_IN_HOURS) - timedelta(minutes=1))
    assert signed_in_as(engine, token, began + timedelta(hours=sign_ins.SIGN_IN_HOURS)) is None


def test_disabling_an_account_signs_it_out_everywhere(engine, sam):
    tokens = [start(engine, sam), start(engine, sam)]
    with session_scope(engine) as session:
        disable(session, sam)
    assert [signed_in_as(engine, token) for token in tokens] == [None, None]
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).where(SignIn.ended_at.is_(None))).scalar() == 0


def test_the_retention_job_forgets_finished_sign_ins_and_keeps_current_ones(engine, sam):
    long_ago = utc_now() - timedelta(hours=sign_ins.SIGN_IN_HOURS + 1)
    current, signed_out, expired = start(engine, sam), start(engine, sam), start(engine, sam, long_ago)
    with session_scope(engine) as session:
        sign_ins.end(session, signed_out)
    retention.delete_expired(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(SignIn)).scalar() == 1
    assert signed_in_as(engine, current) == "sam"
    assert signed_in_as(engine, expired) is None
