"""The counsellors' console: the queue page, one conversation's page and the console's WebSocket."""

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import HTMLResponse

from bot.web.console.socket import serve_console
from bot.web.console.view import conversation_page_context
from bot.web.core import auth
from bot.web.deps import ConsolePerson, Service, Templates, area_dependencies

router = APIRouter(dependencies=area_dependencies("console"))


@router.get("/console", response_class=HTMLResponse)
async def console_page(request: Request, counsellor: ConsolePerson, templates: Templates):
    return templates.TemplateResponse(
        request, "console.html", {"counsellor": counsellor, "csrf": auth.csrf_token(request)}
    )


@router.get("/console/conversations/{conversation_id}", response_class=HTMLResponse)
async def conversation_page(
    request: Request, conversation_id: str, counsellor: ConsolePerson, service: Service, templates: Templates
):
    try:
        await service.counsellors.check(counsellor, "watch", conversation_id)
    except PermissionError:
        raise auth.NotAllowed() from None
    context = await conversation_page_context(service, conversation_id)
    context.update(counsellor=counsellor, csrf=auth.csrf_token(request))
    return templates.TemplateResponse(request, "conversation.html", context)


@router.websocket("/ws/console")
async def console_socket(socket: WebSocket, counsellor: ConsolePerson, service: Service):
    await serve_console(socket, service, counsellor)
