"""Why a pair was made and why someone was not, in words: coordinators read the real reason; a volunteer reads
only what is about themselves, with what they can change, never someone else's confidential list or manager."""

from collections.abc import Callable, Mapping
from typing import Any

from babel.lists import format_list

from bot.i18n import Tr
from bot.matching.model import Unmatched
from bot.topics import N_, topic_label

UNMATCHED = {
    "no_shared_language": N_("no candidate speaks a language in common"),
    "no_career_gap": N_("no candidate at a suitable career stage"),
    "no_compatible_format": N_("no candidate can meet in the same format or place"),
    "no_compatible_partner": N_("no compatible partner this time"),
    "no_topic_in_common": N_("no candidate shares a topic yet"),
    "below_min_score": N_("no pair reached the programme's minimum score"),
    "all_taken": N_("every suitable partner was paired with someone who fitted them even better"),
    "no_one_in_other_role": N_("nobody has joined in the other role yet"),
    # Set aside after the matching ran: a coordinator's adjustment, or a partner who paused or left since.
    "partner_taken": N_("the partner proposed at first was paired with someone else"),
    "unpaired": N_("the proposed pair was undone"),
    "partner_unavailable": N_("the partner proposed at first is no longer available"),
}
COMPONENT_NAMES = {
    "topics": N_("Topics"),
    "times": N_("Times"),
    "style": N_("Working style"),
    "departments": N_("Departments"),
}


RULED_OUT = "ruled_out:"  # then the exclusions, joined by "+": what keeps every candidate left away
# Not-with lists are promised to be seen by nobody, coordinators included: they stay "a confidential reason".
CONFIDENTIAL = N_("a confidential reason")
EXCLUDED_BY = {
    "reporting_line": N_("a reporting line"),
    "past_pair": N_("a past pair (they were paired before)"),
    "forbidden": N_("a coordinator's forbid (`match unforbid` lifts it)"),
    "own_not_with": CONFIDENTIAL,
    "their_not_with": CONFIDENTIAL,
}
# A volunteer hears an exclusion only when it is about themselves alone and tells them nothing of anyone else's
# data: their own list, their own past pairs. A reporting line is not: it would say that their manager, or someone
# who reports to them, volunteered. Someone else's list, a reporting line or a coordinator's decision, alone or
# with the others, reads as "no compatible partner this time". One text per combination, so that a language
# composes it whole.
TOLD_TO_VOLUNTEER = {
    frozenset({"own_not_with"}): N_("the only candidates are on your not-with list (`{command}` shows it)"),
    frozenset({"past_pair"}): N_("you have been paired with the only candidates before"),
    frozenset({"own_not_with", "past_pair"}): N_(
        "the only candidates are on your not-with list (`{command}` shows it) or have been paired with you before"
    ),
}
HINTS = {
    "no_shared_language": N_("add any other language you speak to your profile (`{command}`)"),
    "no_topic_in_common": N_("add topics you could share or learn to your profile (`{command}`)"),
}
FORMAT_HINT = N_("choose *either* as format to be matched across sites (`{command}`)")


def reason_code(unmatched: Unmatched) -> str:
    """The code stored for someone left alone: their reason, with what excludes their candidates when it is that."""
    if unmatched.reason == "no_compatible_partner" and unmatched.excluded_by:
        return RULED_OUT + "+".join(sorted(unmatched.excluded_by))
    return unmatched.reason


def _excluded(code: str) -> list[str]:
    if not code.startswith(RULED_OUT):
        return []
    return [k for k in code.removeprefix(RULED_OUT).split("+") if k in EXCLUDED_BY]


def unmatched_reason(tr: Tr, code: str) -> str:
    """The reason as a coordinator reads it: the real one, but a not-with list, which nobody else ever sees."""
    said = list(dict.fromkeys(EXCLUDED_BY[k] for k in _excluded(code)))
    if said and said != [CONFIDENTIAL]:
        what = format_list([tr(s) for s in said], locale=tr.locale)
        return tr("every candidate left is ruled out by {what}", what=what)
    return tr(UNMATCHED.get(code, UNMATCHED["no_compatible_partner"]))


def volunteer_reason(tr: Tr, code: str, answers: Mapping[str, Any], command: Callable[[str], str]) -> str | None:
    """The reason as the volunteer left alone reads it, with what they can change when something is theirs; None
    when all that is true to say, without telling anyone else's data, is that no compatible partner was found.

    The matching (bot.matching.match) gives a reason about topics or the score only when no confidential
    exclusion is part of it: such a reason is true of every candidate."""
    kinds = frozenset(_excluded(code))
    if kinds:
        told = TOLD_TO_VOLUNTEER.get(kinds)
        return tr(told, command=command("not-with")) if told else None
    if code not in UNMATCHED or code == "no_compatible_partner":
        return None
    said = tr(UNMATCHED[code])
    hint = HINTS.get(code)
    if code == "no_compatible_format" and answers.get("format", "either") != "either":
        hint = FORMAT_HINT
    return tr("{reason} — {hint}", reason=said, hint=tr(hint, command=command("profile"))) if hint else said


def shared_topics(mentor: Mapping[str, Any], mentee: Mapping[str, Any]) -> list[str]:
    """Topics the mentee wants and the mentor offers, the most wanted and best known first."""
    offered: dict[str, int] = mentor.get("levels", {})
    wanted: dict[str, int] = mentee.get("levels", {})
    both = [t for t in mentee.get("topics", []) if t in mentor.get("topics", [])]
    return sorted(both, key=lambda t: -(wanted.get(t, 1) * offered.get(t, 1)))


def pair_reasons(
    tr: Tr, components: Mapping[str, int], mentor: Mapping[str, Any], mentee: Mapping[str, Any], top: int = 3
) -> list[str]:
    """The strongest reasons a pair fits, strongest first; a pair with no topic in common says so first."""
    warning = [] if shared_topics(mentor, mentee) else [tr("No topic in common")]
    said: list[str] = []
    for name, points in sorted(components.items(), key=lambda item: -item[1]):
        if points <= 0:
            continue
        if name == "topics":
            topics = ", ".join(topic_label(t, tr) for t in shared_topics(mentor, mentee)[:2])
            said.append(tr("Topics: {topics}", topics=topics) if topics else tr("Topics"))
        elif name == "times":
            said.append(tr("Preferred times in common"))
        elif name == "style":
            said.append(tr("Similar working style"))
        elif name == "departments" and mentor.get("department") and mentee.get("department"):
            said.append(tr("Different departments: {a} and {b}", a=mentor["department"], b=mentee["department"]))
    return warning + said[:top]
