"""The matching worker: claims the runs asked for (bot/pairing/runs.py) and makes each in a process of its own
while renewing its claim. Any number may run, in any number of processes on one database."""

import asyncio
import logging
import pickle
import sys
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.pairing import runs

logger = logging.getLogger(__name__)


class MatchingFailed(RuntimeError):
    """The matching's process ended without a proposal."""


class MatchWorker:
    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime],
        lease: timedelta = runs.LEASE,
        idle: float = 5.0,
        done: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine, self.clock, self.lease, self.idle = engine, clock, lease, idle
        self.done = done  # told when a preview waits in the outbox (the outbox worker wakes up)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken: asyncio.Event | None = None

    def wake(self, _: datetime | None = None) -> None:
        """A matching was asked for: look now rather than at the next poll. Safe from any thread."""
        if self._loop is not None and self._woken is not None:
            self._loop.call_soon_threadsafe(self._woken.set)

    async def run(self, stop: asyncio.Event) -> None:
        self._loop, self._woken = asyncio.get_running_loop(), asyncio.Event()
        while not stop.is_set():
            self._woken.clear()
            try:
                claim = await asyncio.to_thread(runs.claim, self.engine, self.clock(), self.lease)
            except Exception:  # the database is away, say: look again at the next poll
                logger.exception("the matching runs cannot be read; trying again")
                claim = None
            if claim is not None:
                await self._work(claim, stop)
                continue
            waiters = [asyncio.ensure_future(self._woken.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=self.idle, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _work(self, claim: runs.Claim, stop: asyncio.Event) -> None:
        """One run: its claim renewed while its process reads, matches and writes."""
        computing = asyncio.ensure_future(apart(self.engine, claim, self.clock()))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not computing.done():
                renewal = self.lease.total_seconds() / 3
                await asyncio.wait([computing, stopping], timeout=renewal, return_when=asyncio.FIRST_COMPLETED)
                if stop.is_set():
                    computing.cancel()
                    await asyncio.to_thread(runs.release, self.engine, claim)
                    return
                if not computing.done() and not await asyncio.to_thread(
                    runs.renew, self.engine, claim, self.clock(), self.lease
                ):
                    computing.cancel()  # another worker has it, or a newer run replaced it
                    return
            try:
                made = computing.result()
            except Exception as error:
                logger.error("the matching of run %s failed (%s)", claim.run_id, type(error).__name__)
                await asyncio.to_thread(runs.fail, self.engine, claim, self.clock())
            else:
                logger.info(
                    "matching run %s: %d volunteers read in %.1f s, matched in %.1f s, written in %.1f s%s",
                    claim.run_id,
                    made.volunteers,
                    made.read,
                    made.matched,
                    made.wrote,
                    "" if made.written else " (nothing: the run was no longer its own)",
                )
            self.done()
        except Exception as error:  # the database is away, say: the claim runs out and the run is made again
            logger.error("the result of run %s could not be written (%s)", claim.run_id, type(error).__name__)
        finally:
            stopping.cancel()


async def apart(engine: Engine, claim: runs.Claim, now: datetime) -> runs.Made:
    """runs.make() in a child process (bot/pairing/apart.py); cancelled, the process is killed."""
    url = engine.url.render_as_string(hide_password=False)  # on stdin, not in the arguments others can list
    payload = pickle.dumps((url, claim, now), pickle.HIGHEST_PROTOCOL)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.pairing.apart",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    try:
        # Its stdin stays open while it works: the process ends as soon as this end closes.
        process.stdin.write(payload)
        await process.stdin.drain()
        out, err = await asyncio.gather(process.stdout.read(), process.stderr.read())
        await process.wait()
    except asyncio.CancelledError:
        process.kill()
        await process.wait()
        raise
    finally:
        process.stdin.close()
    if process.returncode != 0:
        # Its last line names the error; the rest of a traceback could quote people's answers.
        last = err.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {process.returncode}"]
        raise MatchingFailed(last[0].split(":")[0])
    made: runs.Made = pickle.loads(out)
    return made
