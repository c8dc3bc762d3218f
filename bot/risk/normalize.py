"""Rewrites a child's message into the plain lower-case words the risk rules are written in."""
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

import yaml

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")
APOSTROPHES = re.compile(r"['’‘`´]")
# Control characters (and the NULs of binary junk) would only confuse the tokenizer.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# "diiieee", "soooo": three or more of a letter are one letter stretched out.
STRETCHED = re.compile(r"([a-z])\1{2,}")
SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def lexicon() -> dict:
    with open(LEXICON_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _replacer(mapping: Dict[str, str]) -> Tuple[re.Pattern, Dict[str, str]]:
    keys = sorted(mapping, key=len, reverse=True)
    alternation = "|".join(re.escape(key) for key in keys)
    return re.compile(rf"(?<![\w'])(?:{alternation})(?![\w'])"), mapping


@lru_cache(maxsize=1)
def _replacers():
    spellings = {str(key).lower(): str(value) for key, value in lexicon()["spellings"].items()}
    with_apostrophe = {key: value for key, value in spellings.items() if "'" in key}
    plain = {key: value for key, value in spellings.items() if "'" not in key}
    return _replacer(with_apostrophe), _replacer(plain)


def as_text(message) -> str:
    """Any input at all as a string: bytes are decoded, None is empty."""
    if message is None:
        return ""
    if isinstance(message, (bytes, bytearray, memoryview)):
        return bytes(message).decode("utf-8", errors="replace")
    return message if isinstance(message, str) else str(message)


def _substitute(text: str, replacer) -> str:
    pattern, mapping = replacer
    return pattern.sub(lambda found: mapping[found.group(0)], text) if mapping else text


def normalize(message) -> str:
    # NFKC turns the "fancy font" letters used to dodge filters back into plain ones.
    text = unicodedata.normalize("NFKC", as_text(message)).lower()
    text = CONTROL.sub(" ", text)
    for emoji, word in lexicon()["emoji"].items():
        text = text.replace(emoji, f" {word} ")
    text = APOSTROPHES.sub("'", text)
    text = STRETCHED.sub(r"\1", text)
    with_apostrophe, plain = _replacers()
    text = _substitute(text, with_apostrophe)
    text = APOSTROPHES.sub("", text)
    text = _substitute(text, plain)
    return SPACES.sub(" ", text).strip()
