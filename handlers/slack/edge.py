"""The Slack edge: a request is verified before anything reads it, and refused with a status when it fails."""

from slack_sdk.signature import SignatureVerifier


def verified(signing_secret: str, body: bytes, timestamp: str | None, signature: str | None) -> bool:
    """Signed by Slack with our secret, within five minutes. Checked on the raw bytes before they are parsed:
    a body that was never signed must not reach Bolt, whose parsing, logging and error handler all trust it."""
    # slack_sdk calls int() on the timestamp: a forged "abc" would raise instead of being refused.
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or not signature:
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return SignatureVerifier(signing_secret).is_valid(text, timestamp, signature)
