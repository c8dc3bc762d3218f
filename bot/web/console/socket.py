"""The counsellors' WebSocket: the live queue, and the conversations a counsellor has open.

Console to server: {"type": "watch", "conversation"}   (sends the whole transcript, then live messages)
                   {"type": "claim", "handoff": id}  {"type": "pick", "conversation"}
                   {"type": "reply", "conversation", "id": client id, "text"}  {"type": "typing", "conversation"}
                   {"type": "end", "conversation"}  {"type": "transfer", "conversation", "to": user id}
                   {"type": "note", "conversation", "text"}
Server to console: {"type": "queue", "waiting": [...], "live": [...], "online": n}; transcript events with
                   "conversation"; {"type": "claimed", "conversation"}; {"type": "taken"} when another got it first;
                   {"type": "transcript", "conversation", "messages": [...]}; {"type": "error", "text"}.
"""

import asyncio
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

from bot import settings
from bot.store import handoffs
from bot.web.core import auth
from bot.web.core.auth import SIGN_IN_FIRST
from bot.web.core.database import DATABASE_AWAY
from bot.web.core.hub import Console, Counsellor
from bot.web.core.permissions import PERMISSIONS
from bot.web.service import ChatService

log = logging.getLogger(__name__)
MAX_REPLY_CHARS = 4000
# What a console may ask that the database refuses: someone else holds the conversation, or it has ended.
REFUSED = (handoffs.AlreadyClaimed, handoffs.NotHeldBy, LookupError, PermissionError, ValueError)
NOT_YOURS = "That did not work: another counsellor holds this conversation, or it has ended. The queue is up to date."


async def serve_console(socket: WebSocket, service: ChatService, counsellor: Counsellor) -> None:
    """The console of a counsellor already signed in (the console router's dependency refuses anyone else)."""
    await socket.accept()
    console = service.hub.add_console(socket, counsellor)
    watch = asyncio.create_task(_close_when_signed_out(socket, service))
    try:
        service.queue.changed()
        while True:
            event = await socket.receive_json()
            if not isinstance(event, dict):
                continue
            if event.get("type") != "typing" and await _signed_out(socket, service):
                await socket.close(code=SIGN_IN_FIRST)
                break
            try:
                await _handle(socket, service, console, event)
            except REFUSED as refused:
                log.info("console action refused: %s", type(refused).__name__)
                await socket.send_json({"type": "error", "text": NOT_YOURS})
    except WebSocketDisconnect:
        pass
    except Exception:  # noqa: BLE001 - the console reconnects; the log holds no message text
        log.exception("console connection failed")
    finally:
        watch.cancel()
        service.hub.remove_console(socket)
        service.queue.changed()


async def _signed_out(socket: WebSocket, service: ChatService) -> bool:
    """Whether the sign-in behind this console has ended (signed out, expired, or the account disabled). While
    the database is away nobody is signed out: the console keeps working when it comes back."""
    try:
        return await auth.signed_in(socket, service) is None
    except DATABASE_AWAY:
        return False


async def _close_when_signed_out(socket: WebSocket, service: ChatService) -> None:
    """A console left open shows children's words: it closes within SIGN_IN_RECHECK_SECONDS of its sign-in
    ending, even if the counsellor does nothing."""
    while True:
        await asyncio.sleep(settings.SIGN_IN_RECHECK_SECONDS)
        if await _signed_out(socket, service):
            await socket.close(code=SIGN_IN_FIRST)
            return


async def _handle(socket: WebSocket, service: ChatService, console: Console, event: dict) -> None:
    counsellor = console.counsellor
    kind = event.get("type")
    conversation_id = str(event.get("conversation") or "")[:255]
    if conversation_id and kind in PERMISSIONS and kind != "watch":
        await service.counsellors.check(counsellor, kind, conversation_id)  # the table decides, never the page
    if kind == "watch" and conversation_id:
        messages = await service.counsellors.read_transcript(counsellor, conversation_id)
        console.watching.add(conversation_id)
        await socket.send_json(
            {
                "type": "transcript",
                "conversation": conversation_id,
                "messages": messages,
                "status": await service.conversations.status(conversation_id),
            }
        )
    elif kind == "claim":
        claimed = await service.counsellors.claim(counsellor, int(event.get("handoff") or 0))  # None: another was first
        await socket.send_json({"type": "claimed", "conversation": claimed} if claimed else {"type": "taken"})
    elif kind == "pick" and conversation_id:
        await service.counsellors.pick(counsellor, conversation_id)
        await socket.send_json({"type": "claimed", "conversation": conversation_id})
    elif kind == "reply" and conversation_id:
        text = str(event.get("text") or "").strip()[:MAX_REPLY_CHARS]
        if text:
            client_id = str(event.get("id") or "")[:64] or None
            await service.counsellors.reply(counsellor, conversation_id, client_id, text)
    elif kind == "typing" and conversation_id:
        await service.counsellors.typing(conversation_id)
    elif kind == "end" and conversation_id:
        await service.counsellors.end(counsellor, conversation_id)
    elif kind == "transfer" and conversation_id:
        await service.counsellors.transfer(counsellor, conversation_id, int(event.get("to") or 0))
    elif kind == "note" and conversation_id:
        text = str(event.get("text") or "").strip()[:MAX_REPLY_CHARS]
        if text:
            await service.counsellors.note(counsellor, conversation_id, text)
