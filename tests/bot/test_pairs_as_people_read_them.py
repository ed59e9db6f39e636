"""What a tryout in English and French found, against the core: a pair's conversation in a language both read,
unmatched reasons true and free of anyone else's data, a preview made again once a forbid is lifted, partners
named before their pairs end, plurals, and a swap of two mentees who share a mentor."""

import pytest
from sqlalchemy import Engine

from bot.service import Passerelle
from bot.ui import Buttons
from tests.bot.dialog import Dialog, last_id, queued
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
NARROW = "\u202f"  # French puts it before : ; ? !


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def coordinator(bot: Passerelle, clock: Clock) -> Dialog:
    return Dialog(bot, clock.now, user=COORD, slack_style=True)


def speaks(bot: Passerelle, clock: Clock, user: str, language: str) -> Dialog:
    someone = Dialog(bot, clock.now, user=user, locale=f"{language}-FR", slack_style=True)
    someone.command(f"language {language}")
    return someone


def told(bot: Passerelle, after: int) -> dict[str, str]:
    """What each person was sent on their own since outbox row `after`."""
    return {q.to[0]: q.text for q in queued(bot, after) if len(q.to) == 1}


def intro(bot: Passerelle) -> str:
    [found] = [q.text for q in queued(bot) if q.key.startswith("intro:pair:")]
    return found


# 1. The pair's conversation


def test_a_pair_is_introduced_in_a_language_both_read_their_declared_languages_included(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    coordinator.command("program set language fr")
    a_volunteer(bot, "UJACK001", clock.now, MENTOR, languages=["en"])
    a_volunteer(bot, "UANA0001", clock.now, MENTEE, languages=["fr", "en"])
    speaks(bot, clock, "UJACK001", "en")
    speaks(bot, clock, "UANA0001", "fr")  # the bot speaks French to her, but she declared English too
    coordinator.command("match")
    coordinator.command("match confirm")
    shown = intro(bot)
    assert "Our charter" in shown and "[I commit]" in shown and "[Set our objectives]" in shown
    assert "Notre charte" not in shown and "Je m'engage" not in shown


def test_a_pair_who_share_no_language_the_bot_speaks_is_introduced_in_the_programmes(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    coordinator.command("program set language fr")
    a_volunteer(bot, "UJACK001", clock.now, MENTOR, languages=["en", "de"])
    a_volunteer(bot, "UANA0001", clock.now, MENTEE, languages=["fr", "de"])
    speaks(bot, clock, "UJACK001", "en")
    speaks(bot, clock, "UANA0001", "fr")
    coordinator.command("match")
    coordinator.command("match confirm")
    assert "Notre charte" in intro(bot)


# 2. Unmatched reasons


def test_a_reporting_line_reads_as_no_compatible_partner_to_the_volunteer(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE, manager="UTOM0001")
    a_volunteer(bot, "UANNE001", clock.now, MENTOR, languages=["es"])  # one pair to confirm
    a_volunteer(bot, "UBOB0001", clock.now, MENTEE, languages=["es"])
    speaks(bot, clock, "USOPHIE1", "fr")
    assert "<@USOPHIE1> — every candidate left is ruled out by a reporting line" in coordinator.command("match")
    before = last_id(bot)
    coordinator.command("match confirm")
    sent = told(bot, before)
    for user in ("UTOM0001", "USOPHIE1"):
        assert "hiérarchique" not in sent[user] and "reporting line" not in sent[user]
    assert "this time there was no compatible partner for you. You stay on the list" in sent["UTOM0001"]
    assert (
        f"et cette fois aucun binôme compatible n'a été trouvé pour vous. Vous restez sur la liste du prochain "
        f"appariement{NARROW}; merci" in sent["USOPHIE1"]
    )
    assert sent["USOPHIE1"].count("binôme") == 1


def test_no_topic_in_common_is_not_said_when_a_confidential_list_hides_the_one_who_shares_it(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    coordinator.command("program set topic-overlap required")
    a_volunteer(bot, "UHUGO001", clock.now, MENTOR, not_with=["UANA0001"])  # shares her topic
    a_volunteer(bot, "UPAUL001", clock.now, MENTOR, topics=["dei"], levels={"dei": 3})
    a_volunteer(bot, "UANA0001", clock.now, MENTEE)
    a_volunteer(bot, "UANNE001", clock.now, MENTOR, languages=["es"])  # one pair to confirm
    a_volunteer(bot, "UBOB0001", clock.now, MENTEE, languages=["es"])
    shown = coordinator.command("match")
    assert "<@UANA0001> — no candidate shares a topic yet" not in shown
    assert "<@UANA0001> — no compatible partner this time" in shown
    before = last_id(bot)
    coordinator.command("match confirm")
    sent = told(bot, before)["UANA0001"]
    assert "this time there was no compatible partner for you" in sent and "topic" not in sent


def test_a_preferred_topic_is_not_blamed_when_a_confidential_list_hides_the_one_who_shares_it(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UHUGO001", clock.now, MENTOR, not_with=["UANA0001", "UMARC001"])  # shares Ana's topic
    a_volunteer(bot, "UPAUL001", clock.now, MENTOR, topics=["dei"], levels={"dei": 3})
    a_volunteer(bot, "UANA0001", clock.now, MENTEE)
    a_volunteer(bot, "UMARC001", clock.now, MENTEE, topics=["dei"], levels={"dei": 3})  # fits Paul better
    shown = coordinator.command("match")
    assert "<@UPAUL001> → <@UMARC001>" in shown
    assert "<@UANA0001> — every suitable partner was paired with someone who fitted them even better" in shown
    before = last_id(bot)
    coordinator.command("match confirm")
    sent = told(bot, before)["UANA0001"]
    assert "no partner: every suitable partner was paired" in sent and "topic" not in sent


def test_no_topic_in_common_is_still_said_when_it_is_true_of_every_candidate(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    coordinator.command("program set topic-overlap required")
    a_volunteer(bot, "UPAUL001", clock.now, MENTOR, topics=["dei"], levels={"dei": 3})
    a_volunteer(bot, "UANA0001", clock.now, MENTEE)
    a_volunteer(bot, "UANNE001", clock.now, MENTOR, languages=["es"])
    a_volunteer(bot, "UBOB0001", clock.now, MENTEE, languages=["es"])
    assert "<@UANA0001> — no candidate shares a topic yet" in coordinator.command("match")
    before = last_id(bot)
    coordinator.command("match confirm")
    sent = told(bot, before)["UANA0001"]
    assert "no partner: no candidate shares a topic yet — add topics you could share or learn" in sent


def test_ones_own_list_and_past_pairs_are_said_in_one_sentence_and_a_reporting_line_never(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE, not_with=["UPAUL001", "UMARC001"])
    coordinator.command("match")
    coordinator.command("match confirm")
    coordinator.command("unpair <@USOPHIE1>")  # Tom and Sophie were paired before
    speaks(bot, clock, "USOPHIE1", "fr")
    a_volunteer(bot, "UPAUL001", clock.now, MENTOR)
    a_volunteer(bot, "UMARC001", clock.now, MENTOR, manager="UMARIE01")  # Marie is Marc's manager
    a_volunteer(bot, "UMARIE01", clock.now, MENTEE, not_with=["UTOM0001", "UPAUL001"])
    a_volunteer(bot, "UANNE001", clock.now, MENTOR, languages=["es"])
    a_volunteer(bot, "UBOB0001", clock.now, MENTEE, languages=["es"])
    coordinator.command("match")
    before = last_id(bot)
    coordinator.command("match confirm")
    sent = told(bot, before)
    assert (
        f"vous n'avez pas de binôme{NARROW}: les seuls candidats sont sur votre liste not-with (`not-with` l'affiche) "
        "ou ont déjà été en binôme avec vous." in sent["USOPHIE1"]
    )
    assert ";" not in sent["USOPHIE1"].split("vous.")[0]
    # Marie's own list and her manager: the manager is not said, so neither is the rest.
    assert "this time there was no compatible partner for you" in sent["UMARIE01"]
    assert "not-with" not in sent["UMARIE01"] and "reporting" not in sent["UMARIE01"]


def test_a_coordinator_reads_several_exclusions_as_a_list_of_their_language(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE, manager="UPAUL001")
    a_volunteer(bot, "UPAUL001", clock.now, MENTOR)
    coordinator.command("match")
    coordinator.command("match forbid <@UTOM0001> <@USOPHIE1>")
    coordinator.command("language fr")
    shown = coordinator.command("match")
    assert (
        "<@USOPHIE1> — chaque candidat restant est exclu par une interdiction posée par un coordinateur "
        "(`match unforbid` la lève) et une ligne hiérarchique" in shown
    )


# 3. Unforbid


def test_unforbid_makes_the_proposal_again_so_that_confirm_pairs_them(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    coordinator.command("match")
    coordinator.command("match forbid <@UTOM0001> <@USOPHIE1>")
    shown = coordinator.command("match unforbid <@UTOM0001> <@USOPHIE1>")
    assert "<@UTOM0001> → <@USOPHIE1> is no longer forbidden. The proposal is made again." in shown
    assert "Pairs: 1" in shown and "*1.* <@UTOM0001> → <@USOPHIE1>" in shown
    before = last_id(bot)
    assert "1 pair confirmed" in coordinator.command("match confirm")
    assert "no compatible partner" not in " ".join(told(bot, before).values())


def test_the_undo_button_of_a_forbid_makes_the_proposal_again(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    coordinator.command("match")
    coordinator.press("Forbid")  # the preview it was pressed on is replaced
    assert coordinator.last.replace is not None
    [undo] = [
        b
        for blk in coordinator.last.replace.blocks
        if isinstance(blk, Buttons)
        for b in blk.buttons
        if b.label == "Undo"
    ]
    assert "Pairs: 0" in coordinator.text  # the new preview, sent to the coordinator
    shown = coordinator.pick(undo.action, undo.value)
    assert "Pairs: 1" in shown and "*1.* <@UTOM0001> → <@USOPHIE1>" in shown
    assert "1 pair confirmed" in coordinator.command("match confirm")


# 4. and 5. Partners named, in plural forms, before their pairs end


# Tom's two mentees, in the order of their pairs.
TWO_EN, TWO_FR = "<@UMARC001> and <@USOPHIE1>", "<@UMARC001> et <@USOPHIE1>"


def mentor_of_two(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR, capacity=2)
    a_volunteer(bot, "UMARC001", clock.now, MENTEE)
    coordinator.command("pair <@UTOM0001> <@UMARC001>")
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    coordinator.command("pair <@UTOM0001> <@USOPHIE1>")
    assert "2 pairs confirmed" in coordinator.command("match confirm")


def test_erasing_ones_data_names_the_partners_whose_pairs_end(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    mentor_of_two(bot, clock, coordinator)
    sophie = Dialog(bot, clock.now, user="USOPHIE1", slack_style=True)
    asked = sophie.command("delete-my-data")
    assert "and ends your pair with <@UTOM0001>: they will be told, and so will the coordinators" in asked
    tom = speaks(bot, clock, "UTOM0001", "fr")
    asked = tom.command("delete-my-data")
    assert f"et met fin à vos binômes avec {TWO_FR}{NARROW}: ces personnes en seront informées" in asked
    assert "[Oui, tout effacer]" in asked
    a_volunteer(bot, "UPAUL001", clock.now, MENTOR)
    assert "ends your pair" not in Dialog(bot, clock.now, user="UPAUL001").command("delete-my-data")


def test_leaving_two_pairs_says_so_in_the_plural(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    mentor_of_two(bot, clock, coordinator)
    tom = Dialog(bot, clock.now, user="UTOM0001", slack_style=True)
    assert f"Your pairs with {TWO_EN} end now: they will be told" in tom.command("leave")
    speaks(bot, clock, "UTOM0001", "fr")
    asked = Dialog(bot, clock.now, user="UTOM0001", locale="fr-FR", slack_style=True).command("leave")
    assert f"Vos binômes avec {TWO_FR} prennent fin maintenant{NARROW}: ces personnes" in asked
    sophie = speaks(bot, clock, "USOPHIE1", "fr")
    assert f"Votre binôme avec <@UTOM0001> prend fin maintenant{NARROW}: cette personne" in sophie.command("leave")


# 6. Swap


def test_swapping_two_mentees_who_share_a_mentor_says_there_is_nothing_to_swap(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR, capacity=2)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    a_volunteer(bot, "UMARC001", clock.now, MENTEE)
    coordinator.command("match")
    shown = coordinator.command("match swap <@USOPHIE1> <@UMARC001>")
    assert shown == "<@USOPHIE1> and <@UMARC001> already share a mentor, <@UTOM0001>: there is nothing to swap."
    assert "Pinned" not in coordinator.command("match confirm") and "2 pairs confirmed" in coordinator.text
