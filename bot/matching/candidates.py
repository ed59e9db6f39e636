"""The candidate graph: allowed pairs scored from the tables, block by block, each person keeping about their best
`Rules.candidates`; then, given a solution's dual prices, the allowed pairs left out that could still improve it.

No all-pairs matrix is ever held: rows are taken in blocks small enough for memory. A Scorer reads one side's
rows against every column of the other; its `transposed()` twin reads mentors as rows, so that both sides' best
candidates are found row by row.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.matching.encode import OPEN_RULES, Side, Tables
from bot.matching.model import Rules

# The hard rules in the order they are explained; `confidential` gathers reporting lines, not-with lists and
# past pairs, which are never named to anyone.
STAGES = ("language", "gap", "format", "confidential", "topics", "min_score")
CELLS_PER_BLOCK = 4_000_000  # rows × columns at once (about 40 MB of arrays)
SAMPLE = 2048  # columns a row's threshold is estimated on
CROWDED = 4  # a row keeping more than this many times `Rules.candidates` keeps exactly its best instead

Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Points = npt.NDArray[np.int16]
Prices = npt.NDArray[np.int32]


@dataclass
class Graph:
    """Edge e joins mentors[mentor[e]] with mentees[mentee[e]], scoring points[e]; sorted by mentee, then mentor."""

    mentor: Ints
    mentee: Ints
    points: Ints

    @staticmethod
    def of(mentee: Ints, mentor: Ints, points: Ints) -> "Graph":
        """The graph of these edges, each pair once."""
        width = int(mentor.max()) + 1 if mentor.size else 1
        _, first = np.unique(mentee * width + mentor, return_index=True)
        return Graph(mentor[first], mentee[first], points[first])

    def with_edges(self, mentee: Ints, mentor: Ints, points: Ints) -> "Graph":
        return Graph.of(
            np.concatenate([self.mentee, mentee]),
            np.concatenate([self.mentor, mentor]),
            np.concatenate([self.points, points]),
        )


class Scorer:
    """The rules and scores of any block of pairs, read from the tables: rows of one side × every column of the
    other (mentees × mentors, or mentors × mentees when transposed)."""

    def __init__(self, rows: Side, columns: Side, tables: Tables, rules: Rules, forbidden: Ints, transposed: bool):
        self.rows, self.columns, self.tables, self.rules, self.is_transposed = rows, columns, tables, rules, transposed
        self.forbidden = forbidden  # (row, column) pairs, sorted
        self.floor = rules.min_score if rules.mode == "best-pairs" else 0
        self.top = int(tables.points["topics"].max(initial=0)) + int(tables.points["rest"].max(initial=0))

    @staticmethod
    def of(mentors: Side, mentees: Side, tables: Tables, rules: Rules, forbidden: dict[int, list[int]]) -> "Scorer":
        pairs = sorted((row, column) for row, columns in forbidden.items() for column in columns)
        return Scorer(mentees, mentors, tables, rules, np.array(pairs, dtype=np.int64).reshape(-1, 2), False)

    def transposed(self) -> "Scorer":
        t = self.tables
        tables = Tables(
            level=np.ascontiguousarray(t.level.T),
            shared=np.ascontiguousarray(t.shared.T),
            points={name: np.ascontiguousarray(table.T) for name, table in t.points.items()},
        )
        flipped = self.forbidden[:, ::-1]
        forbidden = flipped[np.lexsort((flipped[:, 1], flipped[:, 0]))]
        return Scorer(self.columns, self.rows, tables, self.rules, forbidden, not self.is_transposed)

    def points(self, rows: Ints) -> Points:
        a, b, t = self.rows.types, self.columns.types, self.tables.points
        return t["topics"][a["topics"][rows]][:, b["topics"]] + t["rest"][a["rest"][rows]][:, b["rest"]]

    def allowed(self, rows: Ints, points: Points) -> Mask:
        """Every hard rule of the programme passed, the confidential exclusions and the minimum score included."""
        found: Mask = self._level(rows) == len(OPEN_RULES)
        self._exclude(rows, found)
        if self.rules.topic_overlap == "required":
            found &= self._shared(rows)
        if self.floor > 0:
            found &= points >= self.floor
        return found

    def stages(self, rows: Ints, exclusions: bool = True) -> list[Mask]:
        """The cumulative mask of every stage: the pairs that pass each hard rule and all before it."""
        level = self._level(rows)
        opened = [level > k for k in range(len(OPEN_RULES))]
        confidential = opened[-1].copy()
        if exclusions:
            self._exclude(rows, confidential)
        topics = confidential & self._shared(rows)
        allowed = topics.copy() if self.rules.topic_overlap == "required" else confidential.copy()
        if self.floor > 0:
            allowed &= self.points(rows) >= self.floor
        return [*opened, confidential, topics, allowed]

    def blocks(self, rows: Ints | None = None) -> list[Ints]:
        """These rows (sorted; all by default) in blocks small enough for memory."""
        rows = np.arange(len(self.rows), dtype=np.int64) if rows is None else rows
        size = max(1, CELLS_PER_BLOCK // max(len(self.columns), 1))
        return [rows[i : i + size] for i in range(0, len(rows), size)]

    def _level(self, rows: Ints) -> npt.NDArray[np.uint8]:
        return self.tables.level[self.rows.types["rules"][rows]][:, self.columns.types["rules"]]

    def _shared(self, rows: Ints) -> Mask:
        return self.tables.shared[self.rows.types["topics"][rows]][:, self.columns.types["topics"]]

    def _exclude(self, rows: Ints, mask: Mask) -> None:
        """Rows are consecutive or few: the forbidden pairs among them are cleared."""
        if not self.forbidden.size or not rows.size:
            return
        first, last = np.searchsorted(self.forbidden[:, 0], [rows.min(), rows.max() + 1])
        inside = self.forbidden[first:last]
        position = np.searchsorted(rows, inside[:, 0]).clip(0, len(rows) - 1)
        hit = rows[position] == inside[:, 0]
        mask[position[hit], inside[hit, 1]] = False


def build(scorer: Scorer) -> Graph:
    """Each mentee's and each mentor's best candidates, row by row on both sides."""
    keep = scorer.rules.candidates
    found: list[tuple[Ints, Ints, Ints]] = []
    for side in (scorer, scorer.transposed()):
        for rows in side.blocks():
            points = side.points(rows)
            allowed = side.allowed(rows, points)
            r, c = _best(points, allowed, keep)
            edge = (rows[r], c, points[r, c].astype(np.int64))
            found.append((edge[1], edge[0], edge[2]) if side.is_transposed else edge)
    return Graph.of(*_edges(found))


@dataclass
class Priced:
    """What a pricing found: the improving pairs it returns, and the people it left improving pairs of out (more
    than `keep`), whose rows and columns must be priced again whatever their prices do."""

    mentee: Ints
    mentor: Ints
    points: Ints
    crowded_mentees: Ints
    crowded_mentors: Ints


def price(
    scorer: Scorer, mentor_dual: Ints, mentee_dual: Ints, big: int, keep: int, since: tuple[Ints, Ints] | None = None
) -> Priced:
    """The allowed pairs whose weight exceeds the dual prices of their two members — only they can improve a
    solution those prices are optimal for (a pair already in the graph never does) — at most `keep` per person,
    the most improving first: the next solve gets what matters without the graph growing dense.

    `since` holds the prices every pair outside the graph was last found covered by: only a pair one of whose
    prices went down since can fail now, so only the rows and columns of those people are priced again."""
    # A weight is big + points: compare points with the prices less big, in 32 bits (big stays below 2**31).
    u = (mentor_dual - big).astype(np.int32)
    v = mentee_dual.astype(np.int32)
    n, m = len(scorer.rows), len(scorer.columns)
    mentees, mentors = np.arange(n, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if since is not None:
        lower_mentees, lower_mentors = np.nonzero(mentee_dual < since[1])[0], np.nonzero(mentor_dual < since[0])[0]
        if lower_mentees.size * m + lower_mentors.size * n < n * m:  # else one pass over every row is as quick
            mentees, mentors = lower_mentees, lower_mentors
    rows, columns, points, crowded_mentees = _priced(scorer, v, u, mentees, keep)
    flipped = _priced(scorer.transposed(), u, v, mentors, keep)
    return Priced(
        np.concatenate([rows, flipped[1]]),
        np.concatenate([columns, flipped[0]]),
        np.concatenate([points, flipped[2]]),
        crowded_mentees,
        flipped[3],
    )


def _priced(
    side: Scorer, row_price: Prices, column_price: Prices, rows: Ints, keep: int
) -> tuple[Ints, Ints, Ints, Ints]:
    """The improving pairs of these rows × every column (row, column, points; at most `keep` per row, the most
    improving), and the rows that had more."""
    found: list[tuple[Ints, Ints, Ints]] = []
    crowded: list[Ints] = []
    for block in side.blocks(rows):
        points = side.points(block)
        gain = points - row_price[block, None] - column_price[None, :]
        r, c = np.nonzero((gain > 0) & side.allowed(block, points))
        if r.size:
            order = np.lexsort((_tie_break(block[r], c), -gain[r, c], r))  # equal gains: a different pick per row
            r, c = r[order], c[order]
            rank = np.arange(r.size) - np.searchsorted(r, r)
            crowded.append(block[np.unique(r[rank >= keep])])
            r, c = r[rank < keep], c[rank < keep]
        found.append((block[r], c.astype(np.int64), points[r, c].astype(np.int64)))
    rows_found, columns_found, points_found = _edges(found)
    return rows_found, columns_found, points_found, np.concatenate([np.zeros(0, np.int64), *crowded])


def _best(points: Points, allowed: Mask, keep: int) -> tuple[Ints, Ints]:
    """About each row's `keep` best allowed cells: those at or above a threshold estimated on a sample of the
    columns (a row with fewer allowed cells keeps them all). Neither exact nor needing to be: the pricing adds
    whatever pair the solution still needs; this only keeps the first graph small and good."""
    rows, columns = points.shape
    if rows == 0 or columns == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if columns <= keep:
        r, c = np.nonzero(allowed)
        return r.astype(np.int64), c.astype(np.int64)
    step = max(1, columns // SAMPLE)
    sample = np.where(allowed[:, ::step], points[:, ::step], np.int16(-1))
    rank = max(1, min(sample.shape[1], round(keep * sample.shape[1] / columns)))
    threshold = np.partition(sample, sample.shape[1] - rank, axis=1)[:, sample.shape[1] - rank]
    chosen = points >= np.maximum(threshold, 0)[:, None]
    chosen &= allowed
    crowded = np.nonzero(chosen.sum(axis=1) > CROWDED * keep)[0]
    if crowded.size:
        # Ties broken differently for each row: alike rows keeping the same few columns would leave most columns
        # with no candidate at all.
        masked = np.where(allowed[crowded], points[crowded], np.int16(-1)).astype(np.int64) << 16
        masked += _tie_break(crowded[:, None], np.arange(columns)[None, :])
        best = np.argpartition(-masked, keep - 1, axis=1)[:, :keep]
        chosen[crowded] = False
        chosen[crowded[:, None], best] = np.take_along_axis(masked, best, axis=1) >= 0
    r, c = np.nonzero(chosen)
    return r.astype(np.int64), c.astype(np.int64)


def _tie_break(rows: npt.NDArray[np.integer], columns: npt.NDArray[np.integer]) -> Ints:
    """A fixed pseudo-random number in [0, 2**16) for each (row, column): the same input, the same graph."""
    mixed = (rows.astype(np.uint64) * np.uint64(0x9E3779B1)) ^ (columns.astype(np.uint64) * np.uint64(0x85EBCA77))
    return ((mixed >> np.uint64(7)) & np.uint64(0xFFFF)).astype(np.int64)


def _edges(parts: list[tuple[Ints, Ints, Ints]]) -> tuple[Ints, Ints, Ints]:
    """Mentee rows, mentor columns and points of edges found block by block, as int64 arrays."""
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows, columns, points = (np.concatenate([p[k] for p in parts]).astype(np.int64) for k in range(3))
    return rows, columns, points
