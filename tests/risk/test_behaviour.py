"""Specific behaviours, in sentences of our own (not from the evaluation files)."""

import pytest

from bot.risk import RiskLevel, assess

IMMINENT, HIGH, CONCERN, NONE = RiskLevel.IMMINENT, RiskLevel.HIGH, RiskLevel.CONCERN, RiskLevel.NONE


@pytest.mark.parametrize(
    "text, level, kind",
    [
        ("ngl i wanna kms", HIGH, "suicide"),
        ("gonna kys myself", HIGH, "suicide"),
        ("thinking bout un aliving myself", HIGH, "suicide"),
        ("sewer slide is all i think about", HIGH, "suicide"),
        ("I WANT TO DIEEEE", HIGH, "suicide"),
        ("i'm gonna kill myself tonite", IMMINENT, "suicide"),
        ("i swallowed 30 paracetomol", IMMINENT, "suicide"),
        ("just od'd on my nans tablets", IMMINENT, "suicide"),
        ("sat on the ledge of the multi storey rn", IMMINENT, "suicide"),
        ("got the 🪢 ready for tonight", IMMINENT, "suicide"),
        ("ive been cutting every night", HIGH, "self_harm"),
        ("i keep wanting to cut my wrists", HIGH, "self_harm"),
        ("cutting myself rn", IMMINENT, "self_harm"),
        ("hes waiting outside my school rn", IMMINENT, "offender_danger"),
        ("he wants to meet up on sunday", HIGH, "offender_danger"),
        ("my uncle touched me when i was little", HIGH, "abuse_disclosure"),
    ],
)
def test_how_children_type(text, level, kind):
    result = assess(text)
    assert (result.level, result.kind) == (level, kind), result.evidence


@pytest.mark.parametrize(
    "text",
    [
        "my dad will literally murder me if i fail this test",
        "i nearly killed myself laughing at that meme",
        "kmsl that video",
        "this maths test is killing me",
        "dying of boredom in geography",
        "i died three times on the last boss",
        "we got killed in the first round of warzone",
        "i want to dye my hair pink",
        "cut my fringe way too short",
        "ibuprofen helps my headaches",
        "the roof of the sports hall is being fixed",
        "im so dead, my mum saw my screen time 😭",
        "id rather die than eat sprouts",
        "scared to death of the dentist",
        "we read a poem about a man on a bridge",
    ],
)
def test_idioms_and_everyday_words_are_not_risk(text):
    assert assess(text).level == NONE, assess(text).evidence


@pytest.mark.parametrize(
    "text, kind",
    [
        ("i dont want to kill myself i just want him gone", "suicide"),
        ("i would never kill myself", "suicide"),
        ("not going to hurt myself i promise", "self_harm"),
        ("im not suicidal just stressed", "suicide"),
    ],
)
def test_a_denied_risk_is_concern_with_its_kind(text, kind):
    result = assess(text)
    assert (result.level, result.kind) == (CONCERN, kind)


@pytest.mark.parametrize(
    "text",
    ["i cant sleep. i want to die", "i dont know what to do i want to kill myself", "no one cares and i want to die"],
)
def test_a_not_elsewhere_does_not_deny_the_risk(text):
    assert assess(text).level == HIGH


@pytest.mark.parametrize(
    "text, level",
    [
        ("my sister says she wants to die", HIGH),
        ("my mate told me hes gonna kms tonight", IMMINENT),
        ("my cousin is cutting herself again", HIGH),
        ("my bestie is standing on a bridge", IMMINENT),
        ("my friend says her stepdad touches her", HIGH),
    ],
)
def test_someone_else_at_risk_is_about_friend_at_the_same_level(text, level):
    result = assess(text)
    assert (result.level, result.about) == (level, "friend")


@pytest.mark.parametrize(
    "text, kind",
    [
        ("he texted that he would hurt himself if i stopped replying", "offender_danger"),
        ("he says hell kill himself unless i send another pic", "offender_danger"),
        ("he told me i should just die", "suicide"),
        ("the guy keeps saying i should kys", "suicide"),
    ],
)
def test_offender_manipulation(text, kind):
    result = assess(text)
    assert (result.level, result.kind, result.about, result.manipulation) == (CONCERN, kind, "self", True)


def test_manipulation_is_flagged_next_to_real_risk():
    result = assess("he told me to kys and i think i will kill myself")
    assert result.level == HIGH and result.manipulation


@pytest.mark.parametrize(
    "history, text, level",
    [
        (["i am going to"], "do it now", IMMINENT),
        (["i really want to"], "hurt myself", HIGH),
        (["my best friend"], "swallowed a load of pills", IMMINENT),
        (["i think i might"], "kill myself", HIGH),
        (["lol i could"], "die laughing", NONE),
        (["my brother is gonna"], "kill me when he sees his xbox", NONE),
        (["i nearly"], "died of cringe", NONE),
        (["im not gonna"], "kill myself", CONCERN),
    ],
)
def test_window_over_recent_messages(history, text, level):
    assert assess(text, history).level == level


def test_window_keeps_who_is_at_risk():
    assert assess("swallowed a load of pills", ["my best friend"]).about == "friend"


def test_negation_in_another_message_does_not_cancel_a_new_risk():
    assert assess("i want to die", ["i can not sleep"]).level == HIGH


@pytest.mark.parametrize(
    "history, answer",
    [
        (["i want to die"], "yes"),
        (["i want to die"], "no"),
        (["i took a load of pills"], "thanks"),
        (["hes outside my house"], "ok what do i do"),
        (["i want to kill myself"], "jk lol"),
    ],
)
def test_an_answer_after_a_risk_message_is_not_that_risk_again(history, answer):
    # nor does a "jk lol" take it back: the message adds nothing, and the conversation stays at its highest
    # the earlier message was already answered; the conversation keeps its level in the risk_level slot
    assert assess(answer, history).level == NONE


@pytest.mark.parametrize(
    "history, text, level, kind",
    [
        (["i want to kill myself"], "tonight", IMMINENT, "suicide"),
        (["i used to cut"], "doing it again now", IMMINENT, "self_harm"),
    ],
)
def test_a_later_message_that_adds_to_an_earlier_risk_counts(history, text, level, kind):
    result = assess(text, history)
    assert (result.level, result.kind) == (level, kind)


@pytest.mark.parametrize(
    "text, level",
    [
        ("😭😭😭", CONCERN),
        ("😢", CONCERN),
        ("💔💔 🥀", CONCERN),
        ("😭🙏🏽", CONCERN),  # a skin tone rides along
        ("🔪", HIGH),
        ("💊💊💊", HIGH),
        ("😭😭 🔪", HIGH),
        ("🩸🩸", HIGH),
        ("💀💀💀", NONE),  # "i'm dead (laughing)"
        ("👍", NONE),
        ("❤️🙂", NONE),
        ("...", NONE),
    ],
)
def test_a_message_of_emoji_alone_is_read_for_distress_and_means(text, level):
    assert assess(text).level == level
