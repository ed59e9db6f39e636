"""The mid-programme checkpoint, the end-of-programme survey, and the pair's thanks and summary as it closes.

Answers are each member's own: never shown to the partner, counted only in aggregates."""

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from bot.context import Ctx, known
from bot.i18n import Tr
from bot.pairing import pair as pair_status
from bot.pairing.pair import EndReason
from bot.people import named
from bot.recipients import ToPair, ToPerson
from bot.replies import say
from bot.ui import (
    Button,
    Buttons,
    Choice,
    Form,
    Message,
    Option,
    Outcome,
    Reply,
    Text,
    TextInput,
    form_action,
    message,
    typed,
)
from bot.volunteers import enrollment as enrollment_status
from storage.models import Enrollment, Pair, Person, Programme, Survey

COMMENT_LENGTH = 2000
SCALE = tuple(str(n) for n in range(1, 6))
RECOMMEND = tuple(str(n) for n in range(11))
YES_NO = ("yes", "no")


def ask(
    session: Session, pair: Pair, kind: str, members: tuple[Person, Person], programme: Programme, now: datetime
) -> tuple[list[Survey], list[Reply]]:
    """The checkpoint or the survey, one per member, recorded as sent so that it is sent once; the caller flushes
    before the questions are written (their buttons carry the surveys' ids)."""
    sent, asked = [], []
    for person in members:
        survey = Survey(
            workspace_id=pair.workspace_id,
            programme_id=pair.programme_id,
            pair_id=known(pair.id),
            person_id=known(person.id),
            kind=kind,
            sent_at=now,
        )
        session.add(survey)
        sent.append(survey)
        asked.append(_question(survey, programme))
    return sent, asked


def _question(survey: Survey, programme: Programme) -> Reply:
    name = programme.name

    def compose(tr: Tr) -> Message:
        if survey.kind == "checkpoint":
            text = tr(
                "Halfway through *{programme}*: how are your objectives going? Two questions, one minute.",
                programme=name,
            )
        else:
            text = tr(
                "*{programme}* comes to its end. Would you tell us how it went? A few questions, two minutes; your "
                "answers stay private and count only in figures of three answers or more.",
                programme=name,
            )
        answer = Button(tr("Answer"), "survey.open", str(known(survey.id)), style="primary")
        return message(Text(text), Buttons((answer,)))

    return Reply(
        compose, to=ToPerson(survey.person_id), key=f"survey:{survey.kind}:{survey.pair_id}:{survey.person_id}"
    )


def open_form(ctx: Ctx, survey_id: int) -> Outcome:
    found = _own(ctx, survey_id)
    if isinstance(found, Outcome):
        return found
    survey, pair = found
    tr = ctx.tr
    if survey.kind == "checkpoint":
        fields: tuple[Choice | TextInput, ...] = (
            Choice(
                "progress",
                tuple(Option(n, n) for n in SCALE),
                label=tr("Progress on your objectives so far (1 none, 5 a lot)"),
            ),
            TextInput("comment", tr("Anything to adjust for the second half? (optional)"), multiline=True),
        )
        title = tr("Halfway checkpoint")
    else:
        mentor = ctx.person_id == pair.mentor_id
        yes_no = (Option("yes", tr("Yes")), Option("no", tr("No")))
        own = (
            Choice("useful", yes_no, label=tr("Was your contribution useful to your mentee?"))
            if mentor
            else Choice("adoption", yes_no, label=tr("Do you now use new tools or practices?"))
        )
        fields = (
            Choice(
                "recommend",
                tuple(Option(n, n) for n in RECOMMEND),
                label=tr("Would you recommend the programme? (0 not at all, 10 absolutely)"),
            ),
            own,
            TextInput("comment", tr("A comment (optional)"), multiline=True),
        )
        title = tr("End of programme")
    return Outcome(form=Form(form_action("survey", survey.id), title, fields, tr("Send"), tr("Cancel")))


def submitted(ctx: Ctx, survey_id: int, values: dict[str, str | None]) -> Outcome:
    found = _own(ctx, survey_id)
    if isinstance(found, Outcome):
        return found
    survey, pair = found
    tr = ctx.tr
    wanted = {"progress": SCALE} if survey.kind == "checkpoint" else {"recommend": RECOMMEND}
    if survey.kind == "end":
        wanted["useful" if ctx.person_id == pair.mentor_id else "adoption"] = YES_NO
    errors = {
        name: tr("Pick one of the answers.") for name, allowed in wanted.items() if values.get(name) not in allowed
    }
    comment = typed(values.get("comment") or "").strip()
    if len(comment) > COMMENT_LENGTH:
        errors["comment"] = tr("At most {n} characters.", n=COMMENT_LENGTH)
    if errors:
        return Outcome(form_errors=errors)
    survey.answers = {name: values[name] for name in wanted} | ({"comment": comment} if comment else {})
    survey.answered_at = ctx.now
    pair_status.touch(pair, ctx.now)  # both answered: the pair's summary need not wait
    return say(tr("Thank you! Your answers stay private."))


def close(
    session: Session,
    pair: Pair,
    members: tuple[Person, Person],
    enrollments: Sequence[Enrollment],
    held: int,
    tr: Tr,
    now: datetime,
) -> list[Reply]:
    """The programme is over for the pair: thanks and a summary in its conversation, then the pair ends."""
    mentor, mentee = members
    objectives = "\n".join(f"{i}. {o}" for i, o in enumerate(pair.objectives, start=1)) or tr("none written down")
    text = tr(
        "Thank you, {mentor} and {mentee}! Your pairing comes to its end with the programme. Sessions held: {held}.",
        mentor=named(mentor),
        mentee=named(mentee),
        held=held,
    )
    summary = message(Text(text + "\n" + tr("*Your objectives*") + "\n" + objectives))
    pair_status.end(pair, EndReason.COMPLETED, now)
    for enrollment in enrollments:
        enrollment_status.pair_ended(session, enrollment, pair.id, now)
    return [Reply(summary, to=ToPair(known(pair.id)), key=f"closed:{pair.id}")]


def _own(ctx: Ctx, survey_id: int) -> tuple[Survey, Pair] | Outcome:
    survey = ctx.session.get(Survey, survey_id)
    if survey is None or survey.workspace_id != ctx.workspace_id or survey.person_id != ctx.person_id:
        return say(ctx.tr("That button no longer works. Type `help` to see what you can do."))
    if survey.answered_at is not None:
        return say(ctx.tr("You answered already. Thank you!"))
    pair = ctx.session.get(Pair, survey.pair_id)
    if pair is None:
        return say(ctx.tr("That button no longer works. Type `help` to see what you can do."))
    return survey, pair
