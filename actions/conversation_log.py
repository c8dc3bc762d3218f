"""Keeps the conversations table (start, last activity, region, age band) in step with Rasa.

The database must never stand between a child and an answer, so failures are logged
(without message text) and swallowed.
"""
import logging
from functools import lru_cache
from typing import Optional

from bot.store.conversations import record_activity, update_profile
from bot.store.db import make_engine, session_scope

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _engine():
    return make_engine()


def note_activity(sender_id: str) -> None:
    try:
        with session_scope(_engine()) as session:
            record_activity(session, sender_id)
    except Exception:  # noqa: BLE001 - see module docstring
        logger.exception("could not record conversation activity")


def note_profile(sender_id: str, country: Optional[str] = None, age_band: Optional[str] = None) -> None:
    try:
        with session_scope(_engine()) as session:
            record_activity(session, sender_id)
            update_profile(session, sender_id, country=country, age_band=age_band)
    except Exception:  # noqa: BLE001 - see module docstring
        logger.exception("could not record conversation profile")
