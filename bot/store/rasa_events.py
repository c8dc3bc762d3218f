"""Rasa's `events` table (its SQL tracker store, on the same DATABASE_URL), read without importing Rasa."""

import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("data", sa.Text),
)

# Rasa keeps a conversation's whole history; a message being recovered is among the last few hundred events.
_RECENT_EVENTS = 400


def bot_answers_to(session: Session, conversation_id: str, client_id: str) -> list[dict] | None:
    """What Rasa answered to the web app's message `client_id` (sent with it as metadata), in the REST channel's
    shape (text, buttons, custom), if Rasa stored its turn; None if Rasa never took that message."""
    rows = session.execute(
        sa.select(events.c.type_name, events.c.data)
        .where(events.c.sender_id == conversation_id, events.c.type_name.in_(("user", "bot")))
        .order_by(events.c.id.desc())
        .limit(_RECENT_EVENTS)
    ).all()
    answers: list[dict] = []
    for type_name, data in rows:  # newest first
        event = json.loads(data)
        if type_name == "bot":
            answers.extend(reversed(_as_rest_answers(event)))
        elif (event.get("metadata") or {}).get("client_id") == client_id:
            return list(reversed(answers))
        else:
            answers = []  # the bot's answers to a later message
    return None


def _as_rest_answers(event: dict) -> list[dict]:
    """A stored bot event as the REST channel sends it: the text, then its custom part in a message of its own."""
    data = event.get("data") or {}
    answers = []
    if event.get("text"):
        answers.append({"text": event["text"], "buttons": data.get("buttons") or []})
    if data.get("custom"):
        answers.append({"custom": data["custom"]})
    return answers
