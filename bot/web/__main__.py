"""`python -m bot.web [--port N]`: serves the web app on loopback (make run starts it)."""

import argparse
import sys

# spaCy's thinc imports TensorFlow whenever it is installed (Rasa needs it), only to offer it as a backend. The web
# app never uses it, and the import took 4 of its 12 s of start-up and 350 MB: a restarted instance serves sooner.
sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]  # typeshed omits the None that blocks an import

import uvicorn  # noqa: E402

from bot import settings  # noqa: E402
from bot.web.app import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=settings.WEB_HOST)
    parser.add_argument("--port", type=int, default=settings.WEB_PORT)
    args = parser.parse_args()
    # access_log off: request lines would put conversation ids in the log; errors still go to stderr
    # ws="websockets": Rasa pins websockets 10, which has only the implementation uvicorn calls "websockets"
    # ws_per_message_deflate off: chat frames are a few hundred bytes, and compressing them cost CPU on every frame
    # and zlib state on every open connection; over TLS, compression beside secrets is also best left out.
    uvicorn.run(
        create_app(),
        host=args.host,
        port=args.port,
        access_log=False,
        log_level="warning",
        ws="websockets",
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
