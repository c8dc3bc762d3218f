"""A terminal chat with the running assistant through its REST channel (`make shell`)."""

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid

from bot import settings


def send(rasa_url: str, sender: str, text: str) -> list:
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def show(reply: dict) -> None:
    if reply.get("text"):
        print(f"bot: {reply['text']}")
    for number, button in enumerate(reply.get("buttons") or [], start=1):
        print(f"   [{number}] {button['title']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=settings.RASA_URL)
    args = parser.parse_args()
    sender = f"shell-{uuid.uuid4().hex[:12]}"
    buttons: list = []
    print("Type a message (a button's number picks it; Ctrl-D to leave).")
    for line in sys.stdin if not sys.stdin.isatty() else iter(lambda: input("you: "), None):
        text = line.strip()
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            replies = send(args.url, sender, text)
        except (urllib.error.URLError, ConnectionError) as error:
            print(f"The assistant is not reachable at {args.url} ({error}). Start it with `make run`.")
            return 1
        buttons = []
        for reply in replies:
            show(reply)
            buttons.extend(reply.get("buttons") or [])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (EOFError, KeyboardInterrupt):
        print()
