"""Who may do what with a conversation in the console: one table, decided on the server for every action.

A person's relation to a conversation is one of:
  holder   they hold its live handoff
  waiting  it waits in the queue, nobody holds it
  bot      the child is chatting with the bot, no handoff
  other    someone else holds it
Supervisors and admins see and note every conversation; a counsellor sees the queue, the children chatting with
the bot (to pick one) and their own, never one another counsellor holds. Only the holder talks to the child,
passes the conversation on or ends it.
"""

RELATIONS = ("holder", "waiting", "bot", "other")
ALL = frozenset(RELATIONS)
HOLDER = frozenset({"holder"})

PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    #            counsellor                             supervisor           admin
    "watch": {"counsellor": frozenset({"holder", "waiting", "bot"}), "supervisor": ALL, "admin": ALL},
    "claim": {
        "counsellor": frozenset({"waiting"}),
        "supervisor": frozenset({"waiting"}),
        "admin": frozenset({"waiting"}),
    },
    "pick": {
        "counsellor": frozenset({"bot", "waiting"}),
        "supervisor": frozenset({"bot", "waiting"}),
        "admin": frozenset({"bot", "waiting"}),
    },
    "reply": {"counsellor": HOLDER, "supervisor": HOLDER, "admin": HOLDER},
    "typing": {"counsellor": HOLDER, "supervisor": HOLDER, "admin": HOLDER},
    "note": {"counsellor": HOLDER, "supervisor": ALL, "admin": ALL},
    "transfer": {"counsellor": HOLDER, "supervisor": HOLDER, "admin": HOLDER},
    "end": {"counsellor": HOLDER, "supervisor": HOLDER, "admin": HOLDER},
}


def may(role: str, action: str, relation: str) -> bool:
    """Whether a person with `role` may do `action` to a conversation they stand in `relation` to; refuses what
    the table does not name."""
    return relation in PERMISSIONS.get(action, {}).get(role, frozenset())
