"""Runtime settings, read once from the environment with safe embedded defaults."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BOT_VAR_DIR", PROJECT_ROOT / "var"))

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bot.db'}")

# Days a conversation is kept after its last message before it is deleted.
RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "30"))
# How often `make run` deletes what outlived it (bot/launch.py).
RETENTION_CHECK_MINUTES = float(os.environ.get("RETENTION_CHECK_MINUTES", "60"))

SPACY_PIPELINE_DIR = Path(os.environ.get("SPACY_PIPELINE_DIR", PROJECT_ROOT / "build" / "spacy_pipeline"))

RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005")
# Each web app has Rasa work on at most RASA_AT_ONCE of its messages at once; the others wait their turn, up to
# RASA_QUEUE_SECONDS, then the child gets the web app's own answer with the numbers (bot/web/rasa.py).
RASA_AT_ONCE = int(os.environ.get("RASA_AT_ONCE", "10"))
RASA_QUEUE_SECONDS = float(os.environ.get("RASA_QUEUE_SECONDS", "10"))
ACTION_SERVER_PORT = int(os.environ.get("ACTION_SERVER_PORT", "5055"))
ACTION_ENDPOINT_URL = os.environ.get("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{ACTION_SERVER_PORT}/webhook")
MODEL_PATH = Path(os.environ.get("MODEL_PATH", PROJECT_ROOT / "models" / "current.tar.gz"))

# The web app (bot/web): the front door for children, counsellors and staff.
# Several web app instances share events and presence over Redis (bot/web/bus.py); unset: one instance.
REDIS_URL = os.environ.get("REDIS_URL", "")
WEB_HOST = os.environ.get("WEB_HOST", "127.0.0.1")
WEB_PORT = int(os.environ.get("WEB_PORT", "8000"))
# When counsellors are on duty ("09:00-00:00" is 9am to midnight; "00:00-00:00" round the clock).
COUNSELLOR_HOURS = os.environ.get("COUNSELLOR_HOURS", "09:00-00:00")
COUNSELLOR_TIMEZONE = os.environ.get("COUNSELLOR_TIMEZONE", "Europe/London")
# Where the quick-exit button sends a child: a neutral page that gives nothing away.
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.bbc.co.uk/weather")
MAX_MESSAGE_CHARS = int(os.environ.get("MAX_MESSAGE_CHARS", "1000"))
# Messages a child may send in RATE_WINDOW_SECONDS before being asked to slow down.
RATE_MESSAGES = int(os.environ.get("RATE_MESSAGES", "8"))
RATE_WINDOW_SECONDS = float(os.environ.get("RATE_WINDOW_SECONDS", "10"))
# Messages all the chats from one address may send in RATE_IP_WINDOW_SECONDS (many children can share one).
RATE_IP_MESSAGES = int(os.environ.get("RATE_IP_MESSAGES", "120"))
RATE_IP_WINDOW_SECONDS = float(os.environ.get("RATE_IP_WINDOW_SECONDS", "60"))
# The largest HTTP request body the web app reads (a content import is the biggest).
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(3 * 1024 * 1024)))
# How often an open console checks that its sign-in still holds (signed out elsewhere, account disabled).
SIGN_IN_RECHECK_SECONDS = float(os.environ.get("SIGN_IN_RECHECK_SECONDS", "10"))
# A child's message has the bot's answer stored within REPLY_DUE_SECONDS: past its wait in line (RASA_QUEUE_SECONDS)
# and Rasa's time limit (20 s, in bot/web/rasa.py), after which the web app answers with its own safety message (the
# web app warns at start when it is not). Past it, another instance answers
# it (its own instance stopped mid-turn); each instance looks every OVERDUE_CHECK_SECONDS, and answers such a
# message up to OVERDUE_ANSWER_HOURS after it was due (beyond that, the child has gone).
REPLY_DUE_SECONDS = float(os.environ.get("REPLY_DUE_SECONDS", "45"))
OVERDUE_CHECK_SECONDS = float(os.environ.get("OVERDUE_CHECK_SECONDS", "5"))
OVERDUE_ANSWER_HOURS = float(os.environ.get("OVERDUE_ANSWER_HOURS", "1"))
# Session cookies are sent over HTTPS only, unless this is switched off for plain-HTTP loopback use.
COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "false").lower() == "true"

# Published content (bot/content/published.py): how often each process looks for a newer release,
# and the local copy it falls back to when the database cannot be reached.
CONTENT_POLL_SECONDS = float(os.environ.get("CONTENT_POLL_SECONDS", "1"))
CONTENT_SNAPSHOT_FILE = Path(os.environ.get("CONTENT_SNAPSHOT_FILE", VAR_DIR / "content-snapshot.json"))
# A fact last checked by a person longer ago than this stays live but is flagged to staff.
FACT_RECHECK_DAYS = int(os.environ.get("FACT_RECHECK_DAYS", "180"))
