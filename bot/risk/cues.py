"""Crisis cues in any supported language (cues.yaml): the safety net under a message nobody understood."""

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

CUES_FILE = Path(__file__).with_name("cues.yaml")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


def _plain(text: str) -> str:
    """Lower case, accents removed ("Lejía" is "lejia"); Arabic script is kept as it is."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char) or ARABIC_SCRIPT.match(char))


def _pattern(cue: str) -> str:
    if ARABIC_SCRIPT.search(cue) or not cue[:1].isalnum():
        return re.escape(cue)  # joined to its neighbours in Arabic script; an emoji stands alone
    words = _plain(cue).rstrip("*").split()
    body = r"\s+".join(re.escape(word) for word in words)
    return rf"(?<!\w){body}" + (r"\w*" if cue.endswith("*") else r"(?!\w)")


@lru_cache(maxsize=1)
def _cues() -> re.Pattern:
    with open(CUES_FILE, encoding="utf-8") as handle:
        table = yaml.safe_load(handle)
    cues = sorted({str(cue) for words in table.values() for cue in words}, key=len, reverse=True)
    return re.compile("|".join(_pattern(cue) for cue in cues))


def crisis_cues(text: str | None) -> list[str]:
    """The crisis cues in a message, as typed (in lower case, without accents)."""
    if not text:
        return []
    return [found.group(0) for found in _cues().finditer(_plain(text))]
