"""What Slack said when a call failed, whatever shape the answer had.

slack_sdk raises SlackApiError with Slack's JSON answer, or, when the body was not JSON (a proxy's HTML page, a cut
connection), with the raw HTTP response, which has neither `get` nor `status_code`.
"""

from slack_sdk.errors import SlackApiError


def error_code(error: SlackApiError) -> str:
    """Slack's error code (`channel_not_found`), or "" when the answer was not Slack's JSON."""
    get = getattr(error.response, "get", None)
    if not callable(get):
        return ""
    try:
        return str(get("error") or "")
    except (TypeError, ValueError, AttributeError):
        return ""


def http_status(error: SlackApiError) -> int:
    response = error.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None) or 0
    return status if isinstance(status, int) else 0
