"""Passerelle's composition root: reads the settings, builds the engine, the channels, the scheduler and the server.

`python app.py` runs `main`: Slack over HTTP and/or Socket Mode when configured; otherwise the local console chat.
"""

import asyncio
import contextlib
import logging
import mimetypes
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import ValidationError
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.outbox.parcel import Sender
from bot.outbox.queue import Policy
from bot.outbox.worker import Worker
from bot.pairing.worker import MatchWorker
from bot.service import Passerelle
from handlers.console import CONSOLE_COORDINATOR, console_id, run_console
from handlers.slack import OAuth, build_app, started
from handlers.slack.edge import UNREADABLE, readable, verified
from handlers.slack.install import Client as SlackClient
from handlers.slack.install import Installations, States, purge_states
from handlers.slack.outbox import SlackOutbox, installed_clients, one_client, worker_client
from handlers.teams.channel import Identity, Teams, add_routes, build_teams
from settings import Settings
from storage.db import make_engine, migrate

logger = logging.getLogger("passerelle")


def now() -> datetime:
    return datetime.now(UTC)


def open_bot(settings: Settings, coordinators: frozenset[str] | None = None) -> Passerelle:
    """The bot on its database, or one clear line and exit code 2 when the database cannot be opened."""
    try:
        return build_bot(settings, coordinators)
    # ImportError: a URL whose driver is not installed (`mysql://…`); ArgumentError, an SQLAlchemyError: not a URL.
    except (SQLAlchemyError, OSError, ImportError) as error:
        cause = getattr(error, "orig", None) or error
        print(
            f"passerelle: cannot open the database {_shown(settings.database_url)}: "
            f"{type(cause).__name__}: {str(cause).strip()[:300]}",
            file=sys.stderr,
        )
        sys.exit(2)


def _shown(url: str) -> str:
    """The database URL without its password; one that cannot even be read is not shown (it may hold one)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "(DATABASE_URL is not a database URL)"


def build_bot(settings: Settings, coordinators: frozenset[str] | None = None) -> Passerelle:
    engine = make_engine(settings.database_url)
    migrate(engine)
    founders = settings.passerelle_coordinators if coordinators is None else coordinators
    return Passerelle(
        engine,
        coordinators=founders,
        configured=settings.passerelle_coordinators,
        locale=settings.passerelle_locale,
        public_url=settings.public_url,
    )


def build_installations(
    settings: Settings, bot: Passerelle, clock: Callable[[], datetime] = now
) -> Installations | None:
    """OAuth mode's installation store, in our database; None with a single bot token."""
    if not (settings.slack_oauth and settings.slack_client_id and settings.slack_client_secret):
        return None
    credentials = SlackClient(settings.slack_client_id, settings.slack_client_secret, settings.slack_api_url)
    return Installations(bot.engine, credentials, clock)


def build_slack(
    settings: Settings,
    bot: Passerelle,
    clock: Callable[[], datetime] = now,
    installations: Installations | None = None,
) -> AsyncApp:
    installations = installations or build_installations(settings, bot, clock)
    oauth = None
    if installations is not None:
        assert settings.slack_client_id and settings.slack_client_secret
        oauth = OAuth(
            settings.slack_client_id,
            settings.slack_client_secret,
            installations,
            States(bot.engine),
            settings.slack_redirect_uri,
        )
    assert oauth or settings.slack_bot_token
    return build_app(
        bot,
        token=None if oauth else settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret,
        api_url=settings.slack_api_url,
        clock=clock,
        locale=settings.passerelle_locale,
        oauth=oauth,
    )


def identity_of(settings: Settings) -> Identity:
    return Identity(
        app_id=(settings.microsoft_app_id or "").strip(),
        password=settings.microsoft_app_password or "",
        app_type=settings.microsoft_app_type,
        tenant_id=settings.microsoft_app_tenant_id,
    )


def build_web(
    slack: AsyncApp | None,
    signing_secret: str | None = None,
    events: bool = True,
    bot: Passerelle | None = None,
    teams: Teams | None = None,
    clock: Callable[[], datetime] = now,
) -> web.Application:
    """The HTTP server: `POST /slack/events` when Slack is served over HTTP, the install pages in OAuth mode (in
    Socket Mode too: an install is a browser's visit), `POST /api/messages` for Teams, `GET /healthz` always, and
    the sessions' calendar files."""
    web_app = web.Application()
    if teams is not None:
        add_routes(web_app, teams)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app.router.add_get("/healthz", healthz)
    if bot is not None:

        async def calendar_file(request: web.Request) -> web.Response:
            # The token is the whole secret: a wrong one, or one of a session gone, is simply not found.
            assert bot is not None
            ics = await asyncio.to_thread(bot.calendar_file, request.match_info["token"])
            if ics is None:
                return web.Response(status=404, text="not found")
            return web.Response(
                body=ics,
                content_type="text/calendar",
                charset="utf-8",
                headers={"Content-Disposition": 'attachment; filename="session.ics"', "Cache-Control": "no-store"},
            )

        web_app.router.add_get("/calendar/{token}.ics", calendar_file)

        async def handed_over(request: web.Request) -> web.Response:
            # A file handed to a person in a channel that cannot carry it; the token, as the calendar's, is the key.
            assert bot is not None
            found = await asyncio.to_thread(bot.download, request.match_info["token"], clock())
            if found is None:
                return web.Response(status=404, text="not found")
            name, content = found
            if request.match_info["name"] != name:  # the link as it was handed over, not another name on it
                return web.Response(status=404, text="not found")
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            shown = "inline" if kind.startswith("image/") else "attachment"
            ascii_name = name.encode("ascii", "replace").decode().replace('"', "'")
            return web.Response(
                body=content,
                content_type=kind,
                headers={"Content-Disposition": f'{shown}; filename="{ascii_name}"', "Cache-Control": "no-store"},
            )

        web_app.router.add_get("/files/{token}/{name}", handed_over)
    if slack is not None and events:

        async def slack_events(request: web.Request) -> web.Response:
            body = await request.read()
            stamp, signature = (
                request.headers.get("X-Slack-Request-Timestamp"),
                request.headers.get("X-Slack-Signature"),
            )
            if signing_secret is not None and not verified(signing_secret, body, stamp, signature):
                return web.Response(status=401, text="invalid request")
            try:
                bolt_request = await to_bolt_request(request)
            except UNREADABLE:  # a body that is not the JSON it claims to be, or of a shape Bolt fails on
                return web.Response(status=400, text="malformed body")
            if not readable(bolt_request):
                return web.Response(status=400, text="unexpected payload")
            response = await slack.async_dispatch(bolt_request)
            return await to_aiohttp_response(response)

        web_app.router.add_post("/slack/events", slack_events)
    flow = slack.oauth_flow if slack is not None else None
    if flow is not None:
        # Installing in a workspace: the "Add to Slack" page, then Slack's redirect back with a code.

        async def slack_install(request: web.Request) -> web.Response:
            assert flow is not None
            return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

        async def slack_oauth_redirect(request: web.Request) -> web.Response:
            assert flow is not None
            return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

        web_app.router.add_get(flow.install_path, slack_install)
        web_app.router.add_get(flow.redirect_uri_path, slack_oauth_redirect)
    return web_app


def build_scheduler(settings: Settings, bot: Passerelle, clock: Callable[[], datetime] = now) -> AsyncIOScheduler:
    """One periodic tick; what is due is computed from the database and the clock, never stored as jobs."""
    scheduler = AsyncIOScheduler(timezone=UTC)

    async def tick() -> None:
        at = clock()
        await asyncio.to_thread(bot.tick, at)
        if settings.slack_oauth:  # install pages opened and never finished
            await asyncio.to_thread(purge_states, bot.engine, at)

    scheduler.add_job(
        tick,
        "interval",
        seconds=settings.passerelle_tick_seconds,
        id="tick",
        # A clock that jumps forward (a suspended machine) runs the missed ticks as one, however late it is.
        coalesce=True,
        misfire_grace_time=None,
        max_instances=1,
    )
    return scheduler


def build_worker(
    settings: Settings, bot: Passerelle, installations: Installations | None = None, teams: Teams | None = None
) -> Worker:
    """The outbox's delivery worker, with a sender for each configured platform; it wakes when the core queues."""
    senders: dict[str, Sender] = {}
    lease = timedelta(seconds=settings.passerelle_outbox_lease)
    # A send makes at most three calls (open, look, post); all of them end well within the lease.
    timeout = max(1.0, min(10.0, lease.total_seconds() / 4))
    installations = installations or build_installations(settings, bot)
    if installations is not None:
        senders["slack"] = SlackOutbox(installed_clients(installations, settings.slack_api_url, timeout), now)
    elif settings.slack_bot_token:
        client = worker_client(settings.slack_bot_token, settings.slack_api_url, timeout)
        senders["slack"] = SlackOutbox(one_client(client), now)
    if teams is not None:
        senders["teams"] = teams.outbox
    policy = Policy(attempts=settings.passerelle_outbox_attempts, lease=lease)
    worker = Worker(bot.engine, senders, now, policy)
    bot.queued = worker.wake
    return worker


def build_matcher(settings: Settings, bot: Passerelle) -> MatchWorker:
    """The matching worker: each matching in a process of its own, so that the event loop keeps answering."""
    lease = timedelta(seconds=settings.passerelle_match_lease)
    worker = MatchWorker(bot.engine, now, lease, done=lambda: bot.queued())
    bot.matcher = worker.wake
    return worker


class CannotListen(OSError):
    """The HTTP server's address is taken or not ours (Slack's own connections failing are other OSErrors)."""


class MalformedRequests(logging.Filter):
    """aiohttp answers a request it cannot parse (a line or a header too long, broken framing) with 400, and logs
    it as an ERROR with a traceback quoting its first bytes, which may hold a calendar file's token. Anyone can send
    one, unsigned: it is logged as one line, without those bytes."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg, record.args = "a malformed request was refused with 400 (%s)", (type(error).__name__,)
            record.exc_info, record.exc_text, record.levelno, record.levelname = None, None, logging.INFO, "INFO"
        return True


def quiet_loggers() -> None:
    logging.getLogger("aiohttp.server").addFilter(MalformedRequests())
    # Two lines a tick and process ("Running job", "executed successfully") would bury everything else.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


class AccessLog(AbstractAccessLogger):
    """aiohttp's access line without the query string (the OAuth redirect's holds a one-use code and a state) and
    without a calendar file's token, which is the file's only key."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = request.path
        if path.startswith("/calendar/"):
            path = "/calendar/….ics"
        elif path.startswith("/files/"):
            path = "/files/…"
        self.logger.info(
            '%s "%s %s" %s %s %.3fs',
            request.remote,
            request.method,
            path,
            response.status,
            response.body_length,
            time,
        )


async def serve(settings: Settings, bot: Passerelle, stop: asyncio.Event, deliver: bool = True) -> None:
    """The HTTP server, Socket Mode, the tick and (unless the console delivers its own and makes its matchings in
    its one conversation, showing the preview at once) the outbox and matching workers."""
    # One installation store for the listeners and the worker: one lock per installation in this process.
    installations = build_installations(settings, bot)
    on_slack = settings.slack_over_http or settings.slack_socket_mode
    slack = build_slack(settings, bot, installations=installations) if on_slack else None
    on_web = slack if settings.slack_over_http or settings.slack_oauth else None
    teams = build_teams(bot, identity_of(settings), now, settings.passerelle_locale) if settings.teams_served else None
    if teams is not None and not teams.authenticated:
        logger.warning(
            "Teams is served at /api/messages WITHOUT authentication (MICROSOFT_APP_ID is empty): "
            "for the Bot Framework Emulator on this machine only; activities from elsewhere are refused"
        )
    runner = web.AppRunner(
        build_web(on_web, settings.slack_signing_secret, events=settings.slack_over_http, bot=bot, teams=teams),
        access_log_class=AccessLog,
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
    except OSError as error:
        await runner.cleanup()
        # asyncio's strerror repeats the address: the system's own words are enough beside ours.
        raise CannotListen(error.errno, os.strerror(error.errno) if error.errno else str(error)) from error
    logger.info("listening on http://%s:%s", settings.host, settings.port)
    if slack is not None:
        await started(slack)
    socket_mode = None
    if slack is not None and settings.slack_socket_mode:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        socket_mode = AsyncSocketModeHandler(slack, settings.slack_app_token)
        await socket_mode.connect_async()  # type: ignore[no-untyped-call]
        logger.info("connected to Slack in Socket Mode")
    scheduler = build_scheduler(settings, bot)
    scheduler.start()
    worker = asyncio.create_task(build_worker(settings, bot, installations, teams).run(stop)) if deliver else None
    matching = asyncio.create_task(build_matcher(settings, bot).run(stop)) if deliver else None
    try:
        await stop.wait()
    finally:
        stop.set()  # cancelled rather than stopped: the workers stop too, instead of being waited for forever
        scheduler.shutdown(wait=False)
        if matching is not None:
            await matching  # a matching cut short is handed back to the queue for the next start
        if worker is not None:
            # What is in flight gets a moment to settle; a send cut short is looked for by the next start.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(worker, timeout=15)
        if socket_mode is not None:
            await socket_mode.close_async()  # type: ignore[no-untyped-call]
        await runner.cleanup()


async def serve_until_signalled(settings: Settings, bot: Passerelle) -> None:
    """`serve` until SIGTERM (a service manager stopping it) or Ctrl-C: the workers stop cleanly, and a matching
    cut short goes back to the queue for another instance at once. A second signal stops at once."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)

    def stopping() -> None:
        logger.info("stopping")
        stop.set()
        for signum in signals:
            loop.remove_signal_handler(signum)

    for signum in signals:
        loop.add_signal_handler(signum, stopping)
    await serve(settings, bot, stop)


def read_settings(complete: bool = True) -> Settings:
    """The settings, or one line per bad or missing one and exit code 2. `complete=False` lets through what a
    server would lack (a password) to a command that serves nothing (building the Teams package)."""
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "_".join(str(part) for part in problem["loc"]).upper() or "settings"
            given = problem.get("input")
            shown = f" (given: {given!r})" if isinstance(given, str | int | float) and not _secret(name) else ""
            why = str(problem["msg"]).removeprefix("Value error, ")
            print(f"passerelle: {name}{shown}: {why}", file=sys.stderr)
        sys.exit(2)
    if complete and settings.missing:
        print(f"passerelle: {settings.missing}", file=sys.stderr)
        sys.exit(2)
    return settings


def _secret(name: str) -> bool:
    return any(word in name for word in ("SECRET", "TOKEN", "PASSWORD", "DATABASE_URL"))


def main() -> None:
    settings = read_settings()
    on_platform = settings.slack_over_http or settings.slack_socket_mode or settings.teams_served
    # In the console, only warnings would interrupt the conversation.
    logging.basicConfig(
        level=logging.INFO if on_platform else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_loggers()
    for why in settings.ignored:
        logger.warning("%s", why)
    if on_platform:
        bot = open_bot(settings)
        try:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(serve_until_signalled(settings, bot))
        except CannotListen as error:
            print(f"passerelle: cannot listen on {settings.host}:{settings.port}: {error.strerror}", file=sys.stderr)
            sys.exit(2)
        return
    # No platform configured: the console chat, with the server (health check) and scheduler beside it.
    # Someone trying Passerelle out starts as a coordinator, so that every command can be tried.
    coordinators = settings.passerelle_coordinators or frozenset({console_id(CONSOLE_COORDINATOR)})
    bot = open_bot(settings, coordinators)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def beside_the_console() -> None:
        try:
            loop.run_until_complete(serve(settings, bot, stop, deliver=False))
        except OSError as error:  # the port is taken: the chat works without the health check
            logger.warning("no HTTP server on %s:%s (%s)", settings.host, settings.port, error.strerror)

    thread = threading.Thread(target=beside_the_console, daemon=True)
    thread.start()
    run_console(bot, coordinators)
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=5)
