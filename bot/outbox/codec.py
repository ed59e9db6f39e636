"""Neutral messages as JSON, so that an outbox row holds exactly what will be sent."""

from dataclasses import fields, is_dataclass
from datetime import date
from typing import Any

from bot.ui import (
    Button,
    Buttons,
    ChatWith,
    Choice,
    DateInput,
    Fields,
    Header,
    Link,
    Links,
    Message,
    Option,
    PersonChoice,
    Text,
    TextInput,
    TimeInput,
)

TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Header,
        Text,
        Fields,
        Button,
        Buttons,
        Option,
        Choice,
        PersonChoice,
        TextInput,
        DateInput,
        TimeInput,
        ChatWith,
        Link,
        Links,
        Message,
    )
}


def encode(message: Message) -> dict[str, Any]:
    encoded: dict[str, Any] = _encode(message)
    return encoded


def decode(data: dict[str, Any]) -> Message:
    decoded = _decode(data)
    if not isinstance(decoded, Message):
        raise ValueError("not a message")
    return decoded


def _encode(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__} | {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    # Every sequence of the neutral UI is a tuple, so lists come back as tuples.
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    if isinstance(value, dict) and set(value) == {"date"}:
        return date.fromisoformat(value["date"])
    if isinstance(value, dict):
        kind = TYPES[value["type"]]
        return kind(**{name: _decode(item) for name, item in value.items() if name != "type"})
    return value
