"""Messages of emoji alone ("😭😭😭", "🔪", "💊💊"): a child who cannot find words may still say a lot.

The rules read words (lexicon.yaml turns an emoji in a sentence into one), so a message with no word at all is
read here: an emoji of a means of harm is high, an emoji of distress is a concern (a gentle check-in). A
skull alone is no risk: children use it for "I'm dead (laughing)".
"""

import unicodedata

from bot.risk.assessment import Evidence, RiskAssessment, RiskLevel

MEANS = {
    "💊": "pills",
    "🔪": "knife",
    "🩸": "blood",
    "🪢": "rope",
    "⚰": "coffin",
    "🪦": "grave",
    "🔫": "gun",
    "⛓": "chains",
}
DISTRESS = {"😭", "😢", "😞", "😔", "😿", "💔", "🥀", "🆘", "😩", "😫", "😰", "😨", "😣", "😖", "🥺", "😥", "😓"}
# joiners, variation selectors and skin tones that ride along with an emoji
_RIDERS = {"\u200d", "\ufe0f", "\ufe0e", *(chr(code) for code in range(0x1F3FB, 0x1F400))}


def emoji_only(text: str) -> str | None:
    """The message's emoji, or None when it has a letter or a digit in it (words, which the rules read)."""
    kept = []
    for character in text:
        category = unicodedata.category(character)
        if category[0] in "LN":
            return None
        if category[0] not in "ZPC" and character not in _RIDERS:
            kept.append(character)
    return "".join(kept) or None


def emoji_only_reading(text: str) -> RiskAssessment | None:
    """The risk in a message of emoji alone; None for a message with words, or with no emoji of risk."""
    symbols = emoji_only(text)
    if symbols is None:
        return None
    means = [MEANS[symbol] for symbol in symbols if symbol in MEANS]
    if means:
        return RiskAssessment(
            level=RiskLevel.HIGH, kind="suicide", evidence=(Evidence("emoji.means", " ".join(dict.fromkeys(means))),)
        )
    if any(symbol in DISTRESS for symbol in symbols):
        return RiskAssessment(level=RiskLevel.CONCERN, kind="none", evidence=(Evidence("emoji.distress", symbols),))
    return None
