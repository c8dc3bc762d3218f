"""The child's side: the chat page and its WebSocket, open to anyone (no sign-in)."""

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import HTMLResponse

from bot import settings
from bot.web.chat.socket import serve_child
from bot.web.core.helplines import helplines_for
from bot.web.deps import Service, Templates

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def chat_page(request: Request, templates: Templates):
    return templates.TemplateResponse(
        request,
        "chat.html",
        {
            "helplines": helplines_for(None),
            "quick_exit_url": settings.QUICK_EXIT_URL,
            "max_chars": settings.MAX_MESSAGE_CHARS,
        },
    )


@router.websocket("/ws/chat")
async def chat_socket(socket: WebSocket, service: Service):
    await serve_child(socket, service)
