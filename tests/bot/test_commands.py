"""Commands are written as the caller's channel types them: with Slack's slash command, or bare words."""

from dataclasses import replace

from sqlalchemy import Engine

from bot.service import Passerelle
from tests.bot.dialog import Dialog, flat
from tests.conftest import Clock


def test_a_channel_that_types_bare_words_is_shown_bare_words(engine: Engine, clock: Clock) -> None:
    dialog = Dialog(Passerelle(engine, coordinators=frozenset({"UANA0001"})), clock.now)
    assert "Type one of these" in dialog.command("help")
    assert "Usage: `pause [until DATE]`" in dialog.command("pause until someday")
    dialog.command("program new Pilote")
    assert "`program set start DATE` and `program set end DATE`" in dialog.press("Create Pilote")


def test_a_channel_with_a_command_prefix_is_shown_it(engine: Engine, clock: Clock) -> None:
    bot = Passerelle(engine, coordinators=frozenset({"UANA0001"}))
    dialog = Dialog(bot, clock.now)
    slack = replace(dialog.actor, command_prefix="/mentoring ")
    assert "Type `/mentoring` followed by" in flat(bot.command(slack, "help", clock.now).replies[0].message)
    assert "Usage: `/mentoring language en|fr`" in flat(bot.command(slack, "language xx", clock.now).replies[0].message)
    french = replace(slack, locale="fr-FR")
    shown = flat(bot.command(french, "program", clock.now).replies[0].message)
    assert "`/mentoring program set CLÉ VALEUR`" in shown


def test_the_french_help_shows_what_to_type_in_french(engine: Engine, clock: Clock) -> None:
    bot = Passerelle(engine, coordinators=frozenset({"UANA0001"}))
    french = replace(Dialog(bot, clock.now).actor, locale="fr-FR")
    shown = flat(bot.command(french, "aide", clock.now).replies[0].message)
    assert "`pause [jusqu'au DATE]`" in shown and "`concern [ce que vous voulez dire]`" in shown
    assert "until" not in shown and "what you would like" not in shown
    paused = flat(bot.command(french, "pause jusqu'au 2099-01-01", clock.now).replies[0].message)
    assert "Usage" not in paused  # what the help shows is understood, not answered with the usage again
