"""Runtime settings: one validated class read once from the environment, with safe embedded defaults.

A bad value (WEB_PORT=abc, a negative limit, a URL that is not one) stops start-up with one line naming the
setting and the value. The values are read as module attributes (`settings.WEB_PORT`), as before the class.
"""

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    BaseSettings,
    Field,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    conint,
    validator,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

if TYPE_CHECKING:  # what the constrained type holds, for mypy
    Port = int
else:
    Port = conint(ge=1, le=65535)
# Two 24-hour clock times (bot/web/core/hours.py reads them).
CLOCK_HOURS = re.compile(r"\s*([01]\d|2[0-3]):[0-5]\d\s*-\s*([01]\d|2[0-3]):[0-5]\d\s*")


class Settings(BaseSettings):
    """Every setting, named as its environment variable (VAR_DIR is BOT_VAR_DIR)."""

    VAR_DIR: Path = Field(PROJECT_ROOT / "var", env="BOT_VAR_DIR")
    # Default: a SQLite file in VAR_DIR.
    DATABASE_URL: str = ""

    # Days a conversation is kept after its last message before it is deleted.
    RETENTION_DAYS: PositiveInt = 30
    # How often `make run` deletes what outlived it (bot/launch.py).
    RETENTION_CHECK_MINUTES: PositiveFloat = 60

    SPACY_PIPELINE_DIR: Path = PROJECT_ROOT / "build" / "spacy_pipeline"

    RASA_URL: AnyHttpUrl = Field("http://127.0.0.1:5005")
    # Each web app has Rasa work on at most RASA_AT_ONCE of its messages at once; the others wait their turn, up
    # to RASA_QUEUE_SECONDS, then the child gets the web app's own answer with the numbers (bot/web/core/rasa.py).
    RASA_AT_ONCE: PositiveInt = 10
    RASA_QUEUE_SECONDS: PositiveFloat = 10
    ACTION_SERVER_PORT: Port = 5055
    # Default: the action server on ACTION_SERVER_PORT.
    ACTION_ENDPOINT_URL: AnyHttpUrl | None = None
    MODEL_PATH: Path = PROJECT_ROOT / "models" / "current.tar.gz"

    # The web app (bot/web): the front door for children, counsellors and staff.
    # Several web app instances share events and presence over Redis (bot/web/core/bus.py); unset: one instance.
    REDIS_URL: str = ""
    WEB_HOST: str = "127.0.0.1"
    WEB_PORT: Port = 8000
    # When counsellors are on duty ("09:00-00:00" is 9am to midnight; "00:00-00:00" round the clock).
    COUNSELLOR_HOURS: str = "09:00-00:00"
    COUNSELLOR_TIMEZONE: str = "Europe/London"
    # Where the quick-exit button sends a child: a neutral page that gives nothing away.
    QUICK_EXIT_URL: AnyHttpUrl = Field("https://www.bbc.co.uk/weather")
    MAX_MESSAGE_CHARS: PositiveInt = 1000
    # Messages a child may send in RATE_WINDOW_SECONDS before being asked to slow down.
    RATE_MESSAGES: PositiveInt = 8
    RATE_WINDOW_SECONDS: PositiveFloat = 10
    # Messages all the chats from one address may send in RATE_IP_WINDOW_SECONDS (many children can share one).
    RATE_IP_MESSAGES: PositiveInt = 120
    RATE_IP_WINDOW_SECONDS: PositiveFloat = 60
    # The largest HTTP request body the web app reads (a content import is the biggest).
    MAX_REQUEST_BYTES: PositiveInt = 3 * 1024 * 1024
    # How often an open console checks that its sign-in still holds (signed out elsewhere, account disabled).
    SIGN_IN_RECHECK_SECONDS: PositiveFloat = 10
    # A child's message has the bot's answer stored within REPLY_DUE_SECONDS: past its wait in line
    # (RASA_QUEUE_SECONDS) and Rasa's time limit (20 s, in bot/web/core/rasa.py), after which the web app answers
    # with its own safety message (the web app warns at start when it is not). Past it, another instance answers
    # it (its own instance stopped mid-turn); each instance looks every OVERDUE_CHECK_SECONDS, and answers such a
    # message up to OVERDUE_ANSWER_HOURS after it was due (beyond that, the child has gone).
    REPLY_DUE_SECONDS: PositiveFloat = 45
    OVERDUE_CHECK_SECONDS: PositiveFloat = 5
    OVERDUE_ANSWER_HOURS: PositiveFloat = 1
    # Session cookies are sent over HTTPS only, unless this is switched off for plain-HTTP loopback use.
    COOKIE_SECURE: bool = False

    # Published content (bot/content/published.py): how often each process looks for a newer release,
    # and the local copy it falls back to when the database cannot be reached.
    CONTENT_POLL_SECONDS: PositiveFloat = 1
    # Default: content-snapshot.json in VAR_DIR.
    CONTENT_SNAPSHOT_FILE: Path | None = None
    # A fact last checked by a person longer ago than this stays live but is flagged to staff.
    FACT_RECHECK_DAYS: PositiveInt = 180

    class Config:
        case_sensitive = True

    @validator("DATABASE_URL", always=True)
    def _database_in_var_dir(cls, value: str, values: dict[str, Any]) -> str:
        return value or f"sqlite:///{values['VAR_DIR'] / 'bot.db'}"

    @validator("ACTION_ENDPOINT_URL", always=True)
    def _action_server_on_its_port(cls, value: str | None, values: dict[str, Any]) -> str:
        return value or f"http://127.0.0.1:{values.get('ACTION_SERVER_PORT', 5055)}/webhook"

    @validator("CONTENT_SNAPSHOT_FILE", always=True)
    def _snapshot_in_var_dir(cls, value: Path | None, values: dict[str, Any]) -> Path:
        return value or values["VAR_DIR"] / "content-snapshot.json"

    @validator("COUNSELLOR_HOURS")
    def _two_clock_times(cls, value: str) -> str:
        if not CLOCK_HOURS.fullmatch(value):
            raise ValueError("not two times such as 09:00-00:00")
        return value

    @validator("COUNSELLOR_TIMEZONE")
    def _a_known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a timezone name such as Europe/London") from None
        return value


def _env_name(field_name: str) -> str:
    return next(iter(Settings.__fields__[field_name].field_info.extra["env_names"]))


def refusal(error: ValidationError) -> str:
    """One line naming each bad setting, the value it was given and what is wrong with it."""
    problems = []
    for problem in error.errors():
        name = _env_name(str(problem["loc"][0]))
        problems.append(f"{name}={os.environ.get(name, '')!r} ({problem['msg']})")
    return "Bad setting: " + "; ".join(problems)


def _load() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]  # without pydantic's plugin, mypy reads Field() defaults as none
    except ValidationError as error:
        raise SystemExit(refusal(error)) from None


current = _load()


def __getattr__(name: str) -> Any:
    """`settings.WEB_PORT` and the rest: the validated values (a test may still set one on the module)."""
    return getattr(current, name)
