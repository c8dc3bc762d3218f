"""Where the bot uses each response: the rules and stories (data/) that name it, and the web app."""

from collections import defaultdict
from functools import cache
from pathlib import Path

import yaml

from bot.content.bundle import PROJECT_ROOT, WEB_TOPIC, bundled_responses

DATA_DIR = PROJECT_ROOT / "data"
WEB_USE = "Sent by the web app itself (when the bot cannot answer, or around a handoff to a person)."


def _steps(path: Path):
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    for kind in ("rules", "stories"):
        for flow in data.get(kind) or []:
            title = flow.get("rule") or flow.get("story")
            for step in flow.get("steps") or []:
                if isinstance(step, dict) and "action" in step:
                    yield kind[:-1] if kind == "rules" else "story", title, step["action"], path


@cache
def usage() -> dict[str, list[str]]:
    """Response name -> sentences such as "rule 'Say sorry and hand over' (data/rules/risk.yml)"."""
    found: defaultdict[str, list[str]] = defaultdict(list)
    for path in sorted(DATA_DIR.glob("*/*.yml")):
        for kind, title, action, where in _steps(path):
            line = f"{kind} '{title}' ({where.relative_to(PROJECT_ROOT)})"
            if line not in found[action]:
                found[action].append(line)
    for name, (topic, _variants) in bundled_responses().items():
        if topic == WEB_TOPIC:
            found[name].append(WEB_USE)
    return dict(found)
