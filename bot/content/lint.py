"""The content lint: checks every response variant against the project's language and safety rules.

Used by the tests over the whole domain (``python -m bot.content.lint`` prints the worst
offenders) and, later, live in the staff editor through ``lint_variant``.
"""

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import textstat
import yaml

from bot.content.facts import verified_contacts
from bot.vocabulary import PLACEHOLDER

RULES_FILE = Path(__file__).with_name("lint_rules.yaml")
DOMAIN_DIR = Path(__file__).resolve().parents[2] / "domain"

URL = re.compile(r"(https?://\S+|www\.\S+|\b[\w-]+\.(?:org|com|uk|ie|ca|au|gov|net|ncmec|info)\b\S*)", re.I)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
# Three or more digits, maybe split by spaces or dashes: a phone or text number.
PHONE = re.compile(r"\d[\d\s-]{1,}\d")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
WORD = re.compile(r"[A-Za-z0-9'’£$]+")


@dataclass(frozen=True)
class Problem:
    response: str
    variant: int
    rule: str
    detail: str
    # How far past a limit the variant is, so the report can list the worst first.
    excess: float = 0.0

    def __str__(self) -> str:
        return f"{self.response}[{self.variant}] {self.rule}: {self.detail}"


@cache
def load_rules(path: Path = RULES_FILE) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _condition(variant: dict, slot: str) -> str | None:
    for condition in variant.get("condition") or []:
        if condition.get("name") == slot:
            return condition.get("value")
    return None


def age_band_of(variant: dict) -> str | None:
    return _condition(variant, "age_band")


def reading_band(name: str, variant: dict, variants: list[dict]) -> str | None:
    """ "child" when a child of 12 or under may be shown this variant, else its own age band.

    A child sees the response's `age_band: child` variant if it has one; otherwise every
    variant not written for adults must read as simply as a child variant.
    """
    band = age_band_of(variant)
    if band is not None:
        return band
    written_for_adults = _condition(variant, "audience") == "adult" or name in load_rules()["adult_only_responses"]
    has_child_variant = any(age_band_of(other) == "child" for other in variants)
    return None if written_for_adults or has_child_variant else "child"


def readable_text(text: str) -> str:
    """Text as a child reads it for scoring: each fact counts as one short word."""
    text = PLACEHOLDER.sub("it", text)
    text = URL.sub("it", text)
    text = EMAIL.sub("it", text)
    return PHONE.sub("it", text)


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(readable_text(text)) if WORD.search(s)]


def reading_grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(readable_text(text))


def _forgiven(lowered: str, start: int, negations: Iterable[str]) -> bool:
    before = lowered[max(0, start - 20) : start].rstrip()
    return any(re.search(rf"\b{re.escape(word)}$", before) for word in negations)


def forbidden_phrases(text: str) -> list[tuple[str, str]]:
    """(rule, matched words) for every forbidden phrase in the text."""
    lowered = text.lower().replace("’", "'")
    found = []
    for rule, spec in load_rules()["forbidden"].items():
        for pattern in spec["patterns"]:
            for match in re.finditer(pattern, lowered):
                if not _forgiven(lowered, match.start(), spec.get("unless_before", [])):
                    found.append((rule, match.group(0)))
    return found


def _host(url: str) -> str:
    host = re.sub(r"^https?://", "", url.lower()).split("/")[0]
    return host[4:] if host.startswith("www.") else host


def literal_contacts(text: str, known_facts: dict[str, str]) -> list[str]:
    """Numbers, addresses and emails written into the text instead of named as facts.

    A service whose name is its web address ("Hotline.ie", "Cybertip.ca") may be named
    when that address is a verified fact.
    """
    bare = PLACEHOLDER.sub(" ", text)
    fact_hosts = {_host(value) for value in known_facts.values() if URL.fullmatch(value)}
    urls = [url for url in URL.findall(bare) if _host(url.rstrip(".,")) not in fact_hosts]
    phones = [m for m in PHONE.findall(bare) if sum(c.isdigit() for c in m) >= 3]
    return urls + EMAIL.findall(bare) + phones


def lint_text(
    text: str, age_band: str | None = None, known_facts: dict[str, str] | None = None
) -> list[tuple[str, str, float]]:
    """(rule, detail, excess) for each problem in one piece of text a child will read."""
    rules = load_rules()
    known_facts = verified_contacts() if known_facts is None else known_facts
    problems = []

    limit = rules["reading_grade"].get(age_band or "default", rules["reading_grade"]["default"])
    grade = reading_grade(text)
    if grade > limit:
        problems.append(("reading_level", f"grade {grade:.1f} > {limit} for {age_band or 'any age'}", grade - limit))

    for sentence in sentences(text):
        words = len(WORD.findall(sentence))
        if words > rules["max_sentence_words"]:
            problems.append(
                ("sentence_length", f"{words} words: {sentence.strip()[:60]!r}", words - rules["max_sentence_words"])
            )

    lowered = text.lower()
    for pattern in rules["third_person"]:
        for match in re.finditer(pattern, lowered):
            problems.append(("second_person", f"{match.group(0)!r}: talk to the child as 'you'", 1.0))

    for rule, phrase in forbidden_phrases(text):
        problems.append((rule, repr(phrase), 10.0))

    for term in rules["jargon"]:
        if re.search(rf"\b{re.escape(term)}\b", lowered):
            problems.append(("jargon", repr(term), 1.0))
    for term, explainers in rules["explained_words"].items():
        if term in lowered and not any(word in lowered for word in explainers):
            problems.append(("jargon", f"{term!r} used without explaining it", 1.0))

    for contact in literal_contacts(text, known_facts):
        problems.append(("literal_contact", f"{contact.strip()!r}: name it as a fact placeholder", 10.0))
    for name in PLACEHOLDER.findall(text):
        if name not in known_facts:
            problems.append(("unknown_fact", f"{{{name}}} is not a verified contact in the facts file", 10.0))
    return problems


def lint_variant(
    name: str, index: int, variant: dict, variants: list[dict], known_facts: dict[str, str] | None = None
) -> list[Problem]:
    band = reading_band(name, variant, variants)
    problems = [
        Problem(name, index, rule, detail, excess)
        for rule, detail, excess in lint_text(variant.get("text", ""), band, known_facts)
    ]
    for button in variant.get("buttons") or []:
        # Button titles are too short to score a grade; they must still be safe.
        for rule, detail, excess in lint_text(button.get("title", ""), "button", known_facts):
            if rule != "reading_level":
                problems.append(Problem(name, index, f"button_{rule}", detail, excess))
    return problems


def load_responses(domain_dir: Path = DOMAIN_DIR) -> dict[str, list[dict]]:
    responses: dict[str, list[dict]] = {}
    for path in sorted(domain_dir.glob("*.yml")):
        with open(path, encoding="utf-8") as handle:
            responses.update((yaml.safe_load(handle) or {}).get("responses") or {})
    return responses


def lint_responses(responses: dict[str, list[dict]]) -> list[Problem]:
    known = verified_contacts()
    problems = []
    for name, variants in responses.items():
        for index, variant in enumerate(variants):
            problems.extend(lint_variant(name, index, variant, variants, known))
    return problems


def report(problems: list[Problem], limit: int = 25) -> str:
    worst = sorted(problems, key=lambda p: p.excess, reverse=True)[:limit]
    lines = [f"{len(problems)} content problem(s); the worst first:"]
    lines += [f"  {problem}" for problem in worst]
    return "\n".join(lines)


def main() -> int:
    problems = lint_responses(load_responses())
    if problems:
        print(report(problems))
        return 1
    print("content lint: every response variant passes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
