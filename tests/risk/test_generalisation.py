"""Families of wording, spelling slips and hard negatives, in sentences of our own (not from any data/risk file)."""

import pytest

from bot.risk import RiskLevel, assess
from bot.risk.normalize import normalize

IMMINENT, HIGH, CONCERN, NONE = RiskLevel.IMMINENT, RiskLevel.HIGH, RiskLevel.CONCERN, RiskLevel.NONE


@pytest.mark.parametrize(
    "typed, read",
    [
        ("i wnat to kil mysef", "i want to kill myself"),
        ("killmyself", "kill myself"),
        ("iwanttodie", "i want to die"),
        ("im thinking about suiside", "i am thinking about suicide"),
        ("took an overdoes of paracetemol", "took an overdose of paracetamol"),
        ("thinking of unaliving", "thinking of killing myself"),
        # everyday words stay as they are
        ("anything itself waiting during", "anything itself waiting during"),
        ("i did it, will you fill the bill", "i did it, will you fill the bill"),
    ],
)
def test_spelling_slips_and_run_together_words(typed, read):
    assert normalize(typed) == read


@pytest.mark.parametrize(
    "text, level, kind",
    [
        ("i wnt to die", HIGH, "suicide"),
        ("killmyself is all i think about", HIGH, "suicide"),
        ("i wish i didnt exist", HIGH, "suicide"),
        ("everyone would be happier if i was gone", HIGH, "suicide"),
        ("i just want to go to sleep and never wake up again", HIGH, "suicide"),
        ("no point in living anymore", HIGH, "suicide"),
        ("honestly just let me die", HIGH, "suicide"),
        ("been thinking about walking out into the ocean", HIGH, "suicide"),
        ("i could step in front of a lorry", HIGH, "suicide"),
        ("i want to start cutting again", HIGH, "self_harm"),
        ("i relapsed last night", HIGH, "self_harm"),
        ("i swallowed the entire box", IMMINENT, "suicide"),
        ("i took the whole bottle of my mums meds", IMMINENT, "suicide"),
        ("by the time you see this i will be gone", IMMINENT, "suicide"),
        ("i left a goodbye on my snap", IMMINENT, "suicide"),
        ("hes parked at the end of my street rn", IMMINENT, "offender_danger"),
        ("he is coming to get me tonight", IMMINENT, "offender_danger"),
        ("he found my school on insta", HIGH, "offender_danger"),
        ("i cant take much more of this", CONCERN, "none"),
        ("nobody can help me", CONCERN, "none"),
        ("i self harmed when i was 12", CONCERN, "self_harm"),
    ],
)
def test_families_of_wording(text, level, kind):
    result = assess(text)
    assert (result.level, result.kind) == (level, kind), result.evidence


@pytest.mark.parametrize(
    "text",
    [
        "i wanna die lol my teacher read my essay out to the class",
        "kill me now 😂 maths test tomorrow",
        "we read about a girl who kills herself in english, so sad",
        "the film where he jumps off a cliff was so good",
        "my cousin cut her knee on the trampoline",
        "my dad cut himself shaving lol",
        "jumping off the high board at the pool was so fun",
        "my friend knows where i live",
        "my mum is picking me up at 6 tonight",
        "my dad said he will pick me up after football",
        "i need a new razor for shaving my legs",
        "thanks for the help, goodbye",
    ],
)
def test_jokes_stories_sport_and_friends_are_not_risk(text):
    assert assess(text).level == NONE, assess(text).evidence


@pytest.mark.parametrize(
    "text, level",
    [
        # a laugh does not make it a joke when the blackmail, the pictures or him are the topic
        ("i wanna die lol everyone at school has seen my pics", HIGH),
        ("kms 😂 he sent the video to my class", HIGH),
        # a story frame never hides the writer's own words, a friend's risk, or the offender
        ("this song makes me want to kill myself", HIGH),
        ("my friend keeps sending me songs and says she wants to die", HIGH),
        ("he is outside my school after the english exam rn", IMMINENT),
    ],
)
def test_frames_never_hide_real_risk(text, level):
    assert assess(text).level == level, assess(text).evidence
