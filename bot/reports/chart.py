"""The report's chart as a PNG: sessions held against plan, month by month, and the pairs' health."""

from datetime import date
from io import BytesIO

from babel.dates import format_date
from matplotlib.figure import Figure

from bot.i18n import Tr
from bot.lifecycle.health import Health, health_name
from bot.reports.figures import Figures, Month

HEALTH_ORDER = (Health.ON_TRACK, Health.LATE, Health.AT_RISK, Health.ENDED)
HEALTH_COLOURS = ("#2e7d32", "#f9a825", "#c62828", "#9e9e9e")
PLANNED_COLOUR, HELD_COLOUR = "#b0bec5", "#1565c0"


def chart(found: Figures, tr: Tr) -> bytes:
    """The two panels side by side, the texts in the reader's language; the same figures give the same bytes."""
    # A Figure of its own, drawn by Agg, not pyplot: no global state, so requests in threads never share one.
    figure = Figure(figsize=(10, 4), dpi=100, layout="constrained")
    sessions, health = figure.subplots(1, 2, width_ratios=(3, 2))
    labels = [_month_label(m.month, tr) for m in found.months]
    places = range(len(labels))
    sessions.bar(
        [x - 0.2 for x in places], [m.planned for m in found.months], 0.4, label=tr("Planned"), color=PLANNED_COLOUR
    )
    sessions.bar([x + 0.2 for x in places], [m.held for m in found.months], 0.4, label=tr("Held"), color=HELD_COLOUR)
    sessions.set_xticks(list(places), labels)
    sessions.set_title(tr("Sessions held against plan"))
    sessions.yaxis.get_major_locator().set_params(integer=True)
    tallest = max((max(m.planned, m.held) for m in found.months), default=0)
    sessions.set_ylim(0, max(tallest, 1) * 1.3)  # room above the bars for the legend
    sessions.legend(loc="upper left", ncols=2)
    names = [health_name(tr, h) for h in HEALTH_ORDER]
    health.barh(names, [found.health[h] for h in HEALTH_ORDER], color=HEALTH_COLOURS)
    health.invert_yaxis()  # on track first, read from the top
    health.set_title(tr("Pair health"))
    health.xaxis.get_major_locator().set_params(integer=True)
    out = BytesIO()
    # No "Software" entry: the file then holds the figures only, so two runs on the same figures are identical.
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _month_label(month: Month, tr: Tr) -> str:
    """ "Dec 2026", "déc. 2026"."""
    year, number = month
    return str(format_date(date(year, number, 1), "MMM y", locale=tr.locale))
