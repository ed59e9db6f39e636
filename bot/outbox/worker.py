"""The delivery worker: claims due rows, sends each through its channel, settles it. Several may run at once."""

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import Engine

from bot.outbox import failures, queue
from bot.outbox.parcel import Parcel, Retry, Sender, Sent, Undeliverable
from bot.outbox.queue import Policy

logger = logging.getLogger(__name__)
REPORT_EVERY = 5.0  # seconds between two looks for failures to tell the coordinators
SETTLE_WITHIN = 0.25  # seconds a sent row may wait for the round that settles it


class Worker:
    # Messages in flight at once. The platform's limits hold whatever the number (one message a second in a
    # conversation, `Policy.spacing`; its answers to wait); enough are in flight that a round of the database, which
    # settles and claims them by the dozen, leaves no slot waiting long.
    CONCURRENCY = 32

    def __init__(
        self,
        engine: Engine,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime],
        policy: Policy | None = None,
        concurrency: int = CONCURRENCY,
        idle: float = 1.0,
    ) -> None:
        self.engine, self.senders, self.clock, self.policy = engine, senders, clock, policy or Policy()
        self.concurrency, self.idle = concurrency, idle
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken: asyncio.Event | None = None
        self._sent: list[tuple[Parcel, Sent, datetime]] = []  # taken by the platform, not yet settled
        self._sent_since = 0.0  # when the oldest of them was, on the event loop's clock

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll. Safe from any thread."""
        if self._loop is not None and self._woken is not None:
            self._loop.call_soon_threadsafe(self._woken.set)

    async def run(self, stop: asyncio.Event) -> None:
        """Keep up to `concurrency` messages in flight: a slot that frees is filled at once, not after a round."""
        loop = self._loop = asyncio.get_running_loop()
        self._woken = asyncio.Event()
        flying: set[asyncio.Task[None]] = set()
        told = quiet_until = 0.0
        while not stop.is_set():
            claimed, failed = 0, False
            free = self.concurrency - len(flying)
            # A round is a transaction: it claims by the handful, not one by one as each slot frees, and settles
            # what was sent since the last one. Until then a sent row waits, held by its lease, SETTLE_WITHIN at most.
            ripe = bool(self._sent) and loop.time() - self._sent_since >= SETTLE_WITHIN
            if free >= max(1, self.concurrency // 4) or not flying or ripe:
                self._woken.clear()  # before the round: a row queued during it is looked for at the next
                try:
                    parcels = await self._settle(claim=free)
                    flying |= {asyncio.create_task(self._deliver(parcel)) for parcel in parcels}
                    claimed = len(parcels)
                    if loop.time() - told >= REPORT_EVERY:
                        await asyncio.to_thread(failures.report, self.engine, self.clock())
                        told = loop.time()
                except Exception as error:  # the database is away, say: look again later, without filling the log
                    failed = True
                    if loop.time() - quiet_until >= 0:
                        why = type(error).__name__
                        logger.exception("the outbox cannot be read or settled (%s); trying again", why)
                        quiet_until = loop.time() + 60
            if claimed and len(flying) < self.concurrency:
                continue  # more may be due right now
            wait = self.idle
            if self._sent and not failed:  # a database that failed is not asked again before `idle`
                wait = min(wait, max(0.0, self._sent_since + SETTLE_WITHIN - loop.time()))
            waiters = [asyncio.ensure_future(self._woken.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait([*waiters, *flying], timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            flying = {task for task in flying if not task.done()}
        await asyncio.gather(*flying)  # what is in flight is settled before the worker stops
        await self._settle()
        await self._close()

    async def round(self) -> int:
        """One claim and its deliveries; returns how many rows were claimed."""
        parcels = await asyncio.to_thread(queue.claim, self.engine, self.clock(), self.concurrency, self.policy)
        await asyncio.gather(*(self._deliver(parcel) for parcel in parcels))
        await self._settle()
        await asyncio.to_thread(failures.report, self.engine, self.clock())
        return len(parcels)

    async def drain(self, rounds: int = 1000) -> None:
        """Deliver until nothing more is due now (the console, and tests)."""
        for _ in range(rounds):
            if not await self.round():
                break
        await self._close()

    async def _close(self) -> None:
        """A sender that keeps connections open (Slack's) closes them when the worker stops."""
        for sender in self.senders.values():
            close = getattr(sender, "close", None)
            if close is not None:
                await close()

    async def _deliver(self, parcel: Parcel) -> None:
        sender = self.senders.get(parcel.platform)
        try:
            if sender is None:
                raise Retry(f"no sender for {parcel.platform}")
            result = await sender.send(parcel)
        except Retry as failure:
            logger.info("outbox %s: will try again (%s)", parcel.id, failure.why)
            await asyncio.to_thread(queue.retry, self.engine, parcel, failure, self.clock(), self.policy)
        except Undeliverable as refusal:
            logger.warning("outbox %s: undeliverable (%s %s)", parcel.id, refusal.reason, refusal.detail)
            await asyncio.to_thread(queue.undeliverable, self.engine, parcel, refusal.reason, self.clock())
        except Exception:
            # Whatever it was, the platform may have taken the message: look before sending it again.
            logger.exception("outbox %s: sending failed", parcel.id)
            unknown = Retry("unexpected error", maybe_sent=True)
            await asyncio.to_thread(queue.retry, self.engine, parcel, unknown, self.clock(), self.policy)
        else:
            if not getattr(sender, "looks_before_resending", True):
                # This platform keeps nothing the sender can look in for a message it may have sent (Teams): what
                # waits for the round would be sent again after a crash. Recorded at once, as its own transaction.
                try:
                    await asyncio.to_thread(queue.sent, self.engine, parcel, result, self.clock())
                    return
                except Exception:  # the database is away: left to the round, which tries again and says so
                    pass
            if not self._sent:
                self._sent_since = asyncio.get_running_loop().time()
            self._sent.append((parcel, result, self.clock()))

    async def _settle(self, claim: int = 0) -> list[Parcel]:
        """What the platform took since the last round, settled in one transaction, with the claim of up to `claim`
        rows more. Until then a row is held by its lease: a worker killed before settling leaves it to be looked
        for on the platform, never sent twice."""
        settled, self._sent = self._sent, []
        if not settled and not claim:
            return []
        try:
            return await asyncio.to_thread(
                queue.settle_and_claim, self.engine, settled, self.clock(), claim, self.policy
            )
        except Exception:
            self._sent = settled + self._sent  # the database is away: settled at the next round
            raise
