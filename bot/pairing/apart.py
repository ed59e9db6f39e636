"""A claimed run made in a process of its own, started by the worker (bot/pairing/worker.py): the database's URL,
the claim and when it was made come pickled on stdin; what it came to (runs.Made) goes back pickled on stdout.

Its GIL is its own: reading tens of thousands of answers, matching them and composing the preview take none of the
bot's event loop, which goes on answering meanwhile. The process imports the core and the storage, nothing of the
server. It ends when its stdin closes: a worker that dies (kill -9 included) takes its matching with it, and the
run's claim runs out for another worker to take over."""

import os
import pickle
import sys
import threading
from datetime import UTC, datetime

from bot.pairing import runs
from storage.db import make_engine


def main() -> None:
    url, claim, now = pickle.load(sys.stdin.buffer)
    threading.Thread(target=_end_with_the_worker, daemon=True).start()
    engine = make_engine(url)
    try:
        made = runs.make(engine, claim, now, _now)
    finally:
        engine.dispose()
    pickle.dump(made, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
    os._exit(0)  # at once: tearing down a heap of tens of thousands of volunteers would keep the worker waiting


def _now() -> datetime:
    """The app's clock, as the worker's: the system's."""
    return datetime.now(UTC)


def _end_with_the_worker() -> None:
    sys.stdin.buffer.read()  # returns once the worker closes its end, or is gone
    os._exit(3)


if __name__ == "__main__":
    main()
