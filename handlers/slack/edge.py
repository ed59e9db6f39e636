"""The Slack edge: a request is verified before anything reads it, and refused with a status when it fails.

Once verified, a request may still carry values no Slack client sends (signed by a leaked secret, or by a bug):
Bolt and the listeners only ever see ids the core accepts and payloads of the shapes they read.
"""

import re
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import extract_enterprise_id, extract_team_id, extract_user_id
from slack_sdk.signature import SignatureVerifier

from bot.people import usable_id

# Slack's ids (users, teams, organisations, events): a capital letter, then capitals and digits. Anything else
# (`5`, `<@U2>`, `None`) comes from no Slack client and would become a person nobody is.
SLACK_ID = re.compile(r"[A-Z][A-Z0-9]{1,63}")
EVENT_ID = re.compile(r"[A-Za-z0-9]{1,64}")  # `Ev0PV52K25`

# What a forged press or form is turned into: a name no route has, which the core answers as a retired button.
RETIRED = "retired"


def verified(signing_secret: str, body: bytes, timestamp: str | None, signature: str | None) -> bool:
    """Signed by Slack with our secret, within five minutes. Checked on the raw bytes before they are parsed:
    a body that was never signed must not reach Bolt, whose parsing, logging and error handler all trust it."""
    # slack_sdk calls int() on the timestamp: a forged "abc" would raise instead of being refused.
    # A signature is ASCII hex (comparing a non-ASCII one raises), a timestamp a dozen digits at most.
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if not signature or not signature.isascii():
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return SignatureVerifier(signing_secret).is_valid(text, timestamp, signature)


# What Bolt raises building a request from a body of the wrong shape: it parses the body and reads ids out of
# it, indexing whatever it finds (`"user": 7`, `"authorizations": 5`); malformed JSON is a ValueError.
# JSON nested thousands deep exhausts the parser's recursion.
UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError)


def readable(request: AsyncBoltRequest) -> bool:
    """Whether Bolt can route the request without failing, and every id in it is one the core would store.

    A press or a form whose action or callback is junk keeps its person, who is told it no longer works."""
    body: Any = request.body
    if not isinstance(body, dict) or not all(
        isinstance(body.get(key, {}), dict) for key in ("event", "team", "user", "view", "container", "channel")
    ):
        return False
    event = body.get("event") or {}
    if not isinstance(event.get("user", ""), str):  # Bolt would take `{"id": …}` there for a person
        return False
    # As Bolt reads them, before it drops the empty ones: an empty user id would reach the core as nobody.
    try:
        ids = [extract(body) for extract in (extract_user_id, extract_team_id, extract_enterprise_id)]
    except UNREADABLE:
        return False
    # An org-wide install's requests may carry an empty team id: that one means "no team", not a junk id.
    if ids[1] == "":
        ids[1] = None
    if any(value is not None and not (usable_id(value) and SLACK_ID.fullmatch(value)) for value in ids):
        return False
    event_id = body.get("event_id")
    if event_id is not None and not (isinstance(event_id, str) and EVENT_ID.fullmatch(event_id)):
        return False  # it is stored, to recognise Slack's redeliveries
    # A press, a form and a command are someone's, in a workspace (or an organisation, for an org-wide install):
    # without them there is nobody to answer.
    user, team, enterprise = ids
    if (body.get("type") in ("block_actions", "view_submission") or "command" in body) and (
        user is None or (team is None and enterprise is None)
    ):
        return False
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions else None
        if not isinstance(first, dict) or not usable_name(first.get("action_id")):
            body["actions"] = [{"type": "button", "action_id": RETIRED, "block_id": "", "value": ""}]
    view = body.get("view")
    if body.get("type") in ("view_submission", "view_closed") and not isinstance((view or {}).get("type"), str):
        return False  # Bolt reads the view's type to route it (a workflow step's or a modal's)
    if body.get("type") == "view_submission" and isinstance(view, dict):
        callback = view.get("callback_id")
        if not isinstance(callback, str) or not callback.startswith("form:"):
            view["callback_id"] = "form:" + RETIRED
    return True


def usable_name(value: object) -> bool:
    """An action id Bolt can match: a non-empty string (a long or odd one reaches the core as an unknown name)."""
    return isinstance(value, str) and bool(value)
