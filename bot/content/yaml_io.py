"""Published content out to YAML (for version control) and back in, as changes that still need review."""

import yaml
from sqlalchemy.orm import Session

from bot.content import workflow
from bot.content.bundle import bundled_responses
from bot.content.checks import SERVICE_ID
from bot.store import audit
from bot.store.models import User

FORMAT_VERSION = 1


def export_yaml(session: Session) -> str:
    now_live = workflow.live(session)
    by_topic: dict[str, dict[str, list[dict]]] = {}
    for name, variants in now_live.responses.items():
        by_topic.setdefault(now_live.topics[("response", name)], {})[name] = variants
    services: dict[str, list[dict]] = {}
    for entry in now_live.services.values():
        services.setdefault(entry["region"], []).append(entry)
    document = {"format": FORMAT_VERSION, "responses": by_topic, "services": services}
    header = "# Published content of the help assistant, exported from the staff editor.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def import_yaml(session: Session, user_id: int, text: str) -> dict[str, list[str]]:
    """Opens a change for each item that differs from what is live, and submits those that pass the checks.

    Nothing goes live from an import: a second person reviews each change as usual.
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise workflow.ChangeRefused(f"That file is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_VERSION:
        raise workflow.ChangeRefused("That file is not an export of this editor (format 1).")
    now_live = workflow.live(session)
    report: dict[str, list[str]] = {"submitted": [], "drafts": [], "unchanged": [], "refused": []}
    incoming = [
        ("response", name, None, variants)
        for responses in (document.get("responses") or {}).values()
        for name, variants in (responses or {}).items()
    ]
    incoming += [
        ("service", entry.get("id"), region, entry)
        for region, entries in (document.get("services") or {}).items()
        for entry in entries or []
    ]
    for kind, key, region, body in incoming:
        live_body = (now_live.responses if kind == "response" else now_live.services).get(key)
        if body == live_body:
            report["unchanged"].append(key)
            continue
        if kind == "response" and key not in bundled_responses():
            report["refused"].append(f"{key}: no such response in the bot")
            continue
        if kind == "service" and not (isinstance(body, dict) and SERVICE_ID.fullmatch(str(key or ""))):
            report["refused"].append(f"{key}: a service needs an id of 3 to 64 lower-case letters, digits and dashes")
            continue
        try:
            version_id = workflow.open_change(session, user_id, kind, str(key), topic=region)
            problems = workflow.save_draft(session, user_id, version_id, body, "Imported from YAML.")
            if problems:
                report["drafts"].append(f"{key}: {problems[0]}")
            else:
                workflow.submit(session, user_id, version_id)
                report["submitted"].append(key)
        except workflow.ChangeRefused as refused:
            report["refused"].append(f"{key}: {refused}")
    audit.record(
        session,
        session.get(User, user_id),
        "content.import_yaml",
        "content",
        **{name: len(keys) for name, keys in report.items()},
    )
    return report
