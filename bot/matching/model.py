"""The values matching works on: volunteers, the programme's rules and weights, and the proposal it returns."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["mentor", "mentee"]
Format = Literal["in_person", "video", "either"]
Mode = Literal["most-pairs", "best-pairs"]
TopicOverlap = Literal["preferred", "required"]  # a pair with no topic in common: allowed, scored low, or never
WINDOWS = ("morning", "lunch", "afternoon")
STYLES = (("structured", "free"), ("hands_on", "discussion"))  # each question's two answers
POINTS = 1000  # a perfect pair scores this many points
COMPONENTS = ("topics", "times", "style", "departments")  # what a score is made of, as `Weights` names them


@dataclass(frozen=True)
class Volunteer:
    id: str
    role: Role
    career_stage: int
    name: str = ""
    department: str = ""
    site: str = ""
    manager_id: str = ""
    languages: frozenset[str] = frozenset()
    format: Format = "either"
    timezone: str = "UTC"
    windows: frozenset[str] = frozenset()
    # Mentors: what they can share and how well (1–3); mentees: what they want and how much (1–3).
    topics: Mapping[str, int] = field(default_factory=dict)
    style: frozenset[str] = frozenset()
    capacity: int = 1
    not_with: frozenset[str] = frozenset()  # confidential: never shown, never explained


@dataclass(frozen=True)
class Weights:
    """How much each component counts; they are normalised to sum to one."""

    topics: float = 0.6
    times: float = 0.2
    style: float = 0.1
    departments: float = 0.1

    def normalised(self) -> dict[str, float]:
        raw = {"topics": self.topics, "times": self.times, "style": self.style, "departments": self.departments}
        total = sum(max(w, 0.0) for w in raw.values()) or 1.0
        return {name: max(w, 0.0) / total for name, w in raw.items()}


@dataclass(frozen=True)
class Rules:
    mode: Mode = "most-pairs"
    min_score: int = 0  # points; in best-pairs mode a pair below it is never proposed
    min_gap: int = 1  # the mentor's career stage is below the mentee's by at least this
    weights: Weights = field(default_factory=Weights)
    candidates: int = 30  # best candidates kept per person: the graph stays sparse
    topic_overlap: TopicOverlap = "preferred"


@dataclass(frozen=True)
class Pair:
    mentor_id: str
    mentee_id: str
    score: int
    components: Mapping[str, int]  # points per component, summing to the score


# Why someone is left without a partner. Confidential rules (not-with lists, reporting lines, past pairs) are never
# named: they read as "no_compatible_partner".
REASONS = (
    "no_shared_language",
    "no_career_gap",
    "no_compatible_format",
    "no_compatible_partner",
    "no_topic_in_common",
    "below_min_score",
    "all_taken",
    "no_one_in_other_role",
)


# What rules out every candidate left to someone whose reason is "no_compatible_partner", as that person sees it:
# for the coordinators' eyes only (bot/pairing/reasons.py says it to a volunteer only when it is about themselves).
EXCLUSIONS = ("reporting_line", "own_not_with", "their_not_with", "past_pair", "forbidden")


@dataclass(frozen=True)
class Unmatched:
    volunteer_id: str
    reason: str
    excluded_by: frozenset[str] = frozenset()  # EXCLUSIONS, when the reason is no_compatible_partner


@dataclass(frozen=True)
class Proof:
    """How the proposal was proven the optimum of every allowed pair, not only of the candidates first kept."""

    rounds: int  # solves, each followed by pricing every allowed pair left out
    added: int  # pairs the pricing added to the candidates


@dataclass
class Proposal:
    pairs: list[Pair]
    unmatched: list[Unmatched]
    proof: Proof = Proof(0, 0)

    @property
    def total_score(self) -> int:
        return sum(p.score for p in self.pairs)
