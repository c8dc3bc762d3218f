"""The permission table (bot/web/core/permissions.py): what it allows, and that it refuses what it does not name."""

import pytest

from bot.web.core.permissions import PERMISSIONS, RELATIONS, may

CONSOLE_ROLES = ("counsellor", "supervisor", "admin")


@pytest.mark.parametrize("role", CONSOLE_ROLES)
def test_only_the_holder_talks_to_the_child_passes_it_on_or_ends_it(role):
    for action in ("reply", "typing", "transfer", "end"):
        assert [relation for relation in RELATIONS if may(role, action, relation)] == ["holder"]


def test_a_counsellor_never_sees_a_conversation_another_counsellor_holds():
    assert not may("counsellor", "watch", "other")
    assert not may("counsellor", "note", "other")
    assert all(may("counsellor", "watch", relation) for relation in ("holder", "waiting", "bot"))


@pytest.mark.parametrize("role", ("supervisor", "admin"))
def test_supervisors_and_admins_see_and_note_every_conversation(role):
    assert all(may(role, "watch", relation) and may(role, "note", relation) for relation in RELATIONS)


@pytest.mark.parametrize("role", ("staff", "", "stranger"))
def test_a_role_without_the_console_may_do_nothing(role):
    assert not any(may(role, action, relation) for action in PERMISSIONS for relation in RELATIONS)


def test_an_action_the_table_does_not_name_is_refused():
    assert not may("admin", "delete", "holder")
