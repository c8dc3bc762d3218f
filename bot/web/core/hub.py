"""Who is connected to this web app process, and sending them events: children's pages and counsellors' consoles."""

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.websockets import WebSocket, WebSocketState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Counsellor:
    id: int
    name: str  # the sign-in name, for staff only
    role: str
    display_name: str = ""  # what the child sees

    @property
    def sees_everything(self) -> bool:
        return self.role in ("supervisor", "admin")


@dataclass
class Console:
    counsellor: Counsellor
    watching: set[str] = field(default_factory=set)


class Hub:
    """One process's connections. bot/web/core/bus.py shares them between instances over Redis."""

    def __init__(self):
        self.children: dict[str, set[WebSocket]] = {}
        self.consoles: dict[WebSocket, Console] = {}

    async def start(self) -> None:
        """Nothing to start for one process alone."""

    async def stop(self) -> None:
        """Nothing to stop for one process alone."""

    # ---- children
    def add_child(self, conversation_id: str, socket: WebSocket) -> None:
        self.children.setdefault(conversation_id, set()).add(socket)

    def remove_child(self, conversation_id: str, socket: WebSocket) -> None:
        sockets = self.children.get(conversation_id, set())
        sockets.discard(socket)
        if not sockets:
            self.children.pop(conversation_id, None)

    def child_connected(self, conversation_id: str) -> bool:
        return bool(self.children.get(conversation_id))

    def chatting(self) -> list[str]:
        """The conversations with a page open now."""
        return list(self.children)

    async def to_child(self, conversation_id: str, event: dict) -> None:
        await _send_all(self.children.get(conversation_id, ()), event)

    # ---- counsellors
    def add_console(self, socket: WebSocket, counsellor: Counsellor) -> Console:
        console = Console(counsellor)
        self.consoles[socket] = console
        return console

    def remove_console(self, socket: WebSocket) -> None:
        self.consoles.pop(socket, None)

    def counsellors(self) -> list[Counsellor]:
        """Everyone signed in to a console now, once each."""
        return list({console.counsellor.id: console.counsellor for console in self.consoles.values()}.values())

    def stop_watching(self, conversation_id: str, holder_id: int) -> None:
        """A conversation someone now holds leaves the open consoles of the counsellors who may no longer see it
        (bot/web/core/permissions.py: a counsellor sees their own, never another's)."""
        for console in self.consoles.values():
            if console.counsellor.role == "counsellor" and console.counsellor.id != holder_id:
                console.watching.discard(conversation_id)

    def counsellors_online(self) -> int:
        return len(self.counsellors())

    async def to_consoles(self, event: dict, watching: str | None = None) -> None:
        """To every console, or with `watching` only to those that have that conversation open."""
        sockets = [s for s, c in self.consoles.items() if watching is None or watching in c.watching]
        await _send_all(sockets, event)

    async def to_conversation(self, conversation_id: str, event: dict) -> None:
        """A transcript event: to the child's page and to every console that has the conversation open."""
        await asyncio.gather(
            self.to_child(conversation_id, for_child(event)),
            self.to_consoles({**event, "conversation": conversation_id}, watching=conversation_id),
        )


def for_child(event: dict) -> dict:
    """The event as a child's page may have it: without the counsellor's sign-in name."""
    return {key: value for key, value in event.items() if key != "counsellor"}


async def _send_all(sockets: Iterable[WebSocket], event: dict) -> None:
    await asyncio.gather(*(_send(socket, event) for socket in list(sockets)))


async def _send(socket: WebSocket, event: dict) -> None:
    # A page that has just gone away is not an error: it gets everything again when it reconnects.
    if socket.application_state != WebSocketState.CONNECTED:
        return
    try:
        await socket.send_json(event)
    except Exception:  # noqa: BLE001 - any send failure means the same: that connection is gone
        log.debug("dropped an event for a closed connection")
