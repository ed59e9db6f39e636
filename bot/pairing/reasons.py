"""Why a pair was made and why someone was not, in words, never naming a confidential rule."""

from collections.abc import Mapping
from typing import Any

from bot.i18n import Tr
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


def unmatched_reason(tr: Tr, code: str) -> str:
    return tr(UNMATCHED.get(code, UNMATCHED["no_compatible_partner"]))


def shared_topics(mentor: Mapping[str, Any], mentee: Mapping[str, Any]) -> list[str]:
    """Topics the mentee wants and the mentor offers, the most wanted and best known first."""
    offered: dict[str, int] = mentor.get("levels", {})
    wanted: dict[str, int] = mentee.get("levels", {})
    both = [t for t in mentee.get("topics", []) if t in mentor.get("topics", [])]
    return sorted(both, key=lambda t: -(wanted.get(t, 1) * offered.get(t, 1)))


def pair_reasons(
    tr: Tr, components: Mapping[str, int], mentor: Mapping[str, Any], mentee: Mapping[str, Any], top: int = 3
) -> list[str]:
    """The strongest reasons a pair fits, strongest first."""
    said = []
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
    return said[:top]
