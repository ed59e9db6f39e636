"""How fast Slack and Teams get their HTTP 200: Slack's signed slash commands and button presses, Teams' message
activities and card actions, at a given concurrency.

Slack: Passerelle (`python app.py`, the real composition root, on SQLite) and a bare Bolt app that only acknowledges
(bench/bare_app.py) each run in their own process on 127.0.0.1; a minimal Slack Web API answers their calls.
Teams: Passerelle serving `POST /api/messages` (`MICROSOFT_APP_ID=` empty: no authentication, for either bot) and a
bare botbuilder bot that answers each activity with one short text (bench/bare_teams.py); a minimal Bot Connector,
the activities' serviceUrl, answers their calls. Each activity comes from someone new, so Passerelle also asks the
roster once for their address (the connector calls per activity are printed). A platform's two apps run while the
other's are stopped; rounds alternate between the two so that a noisy neighbour hurts both alike.

    python bench/ack.py [--platform slack|teams|both] [--requests N] [--concurrency C] [--rounds R]
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
TEAM = "T0BENCH"
TENANT = "5b1a7c2e-0000-4000-8000-00000000be0c"
WARM_UP = 50


REPLIES: list[float] = []  # when each reply (a response_url post or a DM) reached Slack


async def slack_web_api() -> tuple[web.AppRunner, int]:
    """Just enough of Slack for the apps' follow-up calls: every method answers ok."""

    async def answer(request: web.Request) -> web.Response:
        method = request.match_info.get("method", "")
        await request.read()
        if method in ("", "chat.postMessage"):
            REPLIES.append(time.perf_counter())
        body: dict[str, object] = {"ok": True, "channel": "D0BENCH", "ts": "1.000001", "view": {"id": "V1"}}
        if method == "auth.test":
            body = {
                "ok": True,
                "team_id": TEAM,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team": "bench",
                "url": "https://bench.slack.com/",
            }
        if method == "users.info":
            body = {
                "ok": True,
                "user": {
                    "id": "U",
                    "name": "bench",
                    "tz": "Europe/Paris",
                    "locale": "fr-FR",
                    "profile": {"display_name": "Bench"},
                },
            }
        return web.json_response(body)

    app = web.Application()
    app.router.add_route("*", "/api/{method}", answer)
    app.router.add_post("/respond/{name}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def slack_settings(api_port: int, database: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{api_port}/api/",
        "DATABASE_URL": database,
    }


async def start(script: Path, settings: dict[str, str]) -> tuple[asyncio.subprocess.Process, int]:
    port = free_port()
    # Nothing of the bench's own environment decides what the apps serve: only `settings` do.
    ours = ("SLACK_", "PASSERELLE_", "DATABASE_", "MICROSOFT_", "MICROSOFTAPP")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(ours)}
    env |= settings | {"PORT": str(port)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return process, port
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"{script.name} did not start")


def requests(count: int, api_port: int, round_number: int) -> list[tuple[str, str]]:
    """Alternately `/mentoring help` and a Join button, each from its own user (so each press writes)."""
    made = []
    for i in range(count):
        user = f"UB{round_number:02d}{i:06d}"
        respond = f"http://127.0.0.1:{api_port}/respond/r{i}"
        if i % 2 == 0:
            made.append(
                (
                    urlencode(
                        {
                            "token": "x",
                            "team_id": TEAM,
                            "team_domain": "bench",
                            "channel_id": "C1",
                            "channel_name": "general",
                            "user_id": user,
                            "user_name": "b",
                            "command": "/mentoring",
                            "text": "help",
                            "api_app_id": "A1",
                            "response_url": respond,
                            "trigger_id": f"{round_number}.{i}.{time.time_ns()}",
                        }
                    ),
                    "command",
                )
            )
        else:
            payload = {
                "type": "block_actions",
                "team": {"id": TEAM, "domain": "bench"},
                "user": {"id": user, "username": "b", "name": "b", "team_id": TEAM},
                "api_app_id": "A1",
                "token": "x",
                "trigger_id": f"{round_number}.{i}.{time.time_ns()}",
                "response_url": respond,
                "container": {"type": "message", "message_ts": "1.1", "channel_id": "C1", "is_ephemeral": False},
                "channel": {"id": "C1", "name": "general"},
                "actions": [
                    {
                        "action_id": "join#0",
                        "block_id": "b",
                        "type": "button",
                        "value": "",
                        "text": {"type": "plain_text", "text": "Join"},
                        "action_ts": "1.1",
                    }
                ],
            }
            made.append((urlencode({"payload": json.dumps(payload)}), "press"))
    return made


async def load(port: int, bodies: list[tuple[str, str]], concurrency: int) -> list[float]:
    verifier = SignatureVerifier(SECRET)
    latencies: list[float] = []
    queue = list(reversed(bodies))

    async def worker(session: aiohttp.ClientSession) -> None:
        while queue:
            body, _ = queue.pop()
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body) or "",
            }
            began = time.perf_counter()
            async with session.post(
                f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers
            ) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}")
            latencies.append(time.perf_counter() - began)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return latencies


async def replied(expected: int, began: float) -> float:
    """Seconds from the first request of a round until Passerelle's last reply of it reached Slack."""
    for _ in range(6000):
        if len(REPLIES) >= expected:
            return max(REPLIES) - began
        await asyncio.sleep(0.01)
    raise RuntimeError(f"only {len(REPLIES)} of {expected} replies arrived")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def peak_memory_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def bench_slack(count: int, concurrency: int, rounds: int) -> None:
    api, api_port = await slack_web_api()
    with tempfile.TemporaryDirectory() as folder:
        ours, our_port = await start(ROOT / "app.py", slack_settings(api_port, f"sqlite:///{folder}/bench.db"))
        bare, bare_port = await start(ROOT / "bench" / "bare_app.py", slack_settings(api_port, ""))
        results: dict[str, list[float]] = {"bare": [], "passerelle": []}
        try:
            warm_up = min(WARM_UP, count)
            await load(our_port, requests(warm_up, api_port, 99), concurrency)  # warm up both
            await load(bare_port, requests(warm_up, api_port, 99), concurrency)
            drains = []
            for number in range(rounds):
                bodies = requests(count // rounds, api_port, number)
                results["bare"] += await load(bare_port, bodies, concurrency)
                REPLIES.clear()
                began = time.perf_counter()
                results["passerelle"] += await load(our_port, bodies, concurrency)
                drains.append(await replied(len(bodies), began))
            memory = {"bare": peak_memory_mib(bare.pid), "passerelle": peak_memory_mib(ours.pid)}
        finally:
            for process in (ours, bare):
                process.terminate()
                await process.wait()
            await api.cleanup()
    print(
        f"{count} signed requests (half /mentoring help, half Join presses), concurrency {concurrency}, "
        f"{rounds} alternating rounds, on {os.cpu_count()} cores"
    )
    print(f"{'app':<12}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'mean ms':>9}{'peak RSS MiB':>14}")
    for name, values in results.items():
        print(
            f"{name:<12}{percentile(values, 50) * 1000:>9.1f}{percentile(values, 99) * 1000:>9.1f}"
            f"{max(values) * 1000:>9.1f}{statistics.mean(values) * 1000:>9.1f}{memory[name]:>14.0f}"
        )
    p99_ratio = percentile(results["passerelle"], 99) / percentile(results["bare"], 99)
    p50_ratio = percentile(results["passerelle"], 50) / percentile(results["bare"], 50)
    p99 = percentile(results["passerelle"], 99) * 1000
    print(f"ratio passerelle/bare: p50 {p50_ratio:.2f}, p99 {p99_ratio:.2f}")
    per_round = count // rounds
    print(
        f"Passerelle's replies: all {per_round} of a round delivered {statistics.mean(drains):.2f} s after its "
        f"first request on average ({per_round / statistics.mean(drains):.0f} requests fully served per s)"
    )
    verdict = "met" if p99_ratio <= 2 and p99 < 100 else "NOT met"
    print(f"goal (p99 at most twice the bare app's and under 100 ms): {verdict}")


CONNECTOR_CALLS: list[str] = []  # each call the apps made to the Bot Connector, as "METHOD path"


async def bot_connector() -> tuple[web.AppRunner, int]:
    """Just enough of the Bot Connector for the bots' calls in a turn: replies and card updates are accepted, and
    a roster lookup finds the person with an address."""

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        path = request.match_info["tail"]
        CONNECTOR_CALLS.append(f"{request.method} {request.path}")
        if request.method == "GET" and "/members/" in path:
            member = path.rsplit("/", 1)[1]
            return web.json_response(
                {"id": member, "name": "Bench", "userPrincipalName": "bench@contoso.example", "tenantId": TENANT}
            )
        return web.json_response({"id": f"1{time.time_ns()}"})

    app = web.Application()
    app.router.add_route("*", "/v3/conversations{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


TEAMS_KINDS = ("help", "status", "execute", "submit")


def activities(count: int, connector_port: int, round_number: int) -> list[dict[str, Any]]:
    """In turn `help` and `status` typed, and the Join button pressed as an Action.Execute invoke and as the
    Action.Submit of an older client; each from its own person (so each press writes), in their 1:1 chat."""
    made = []
    for i in range(count):
        user = f"{round_number:02d}{i:06d}"
        activity: dict[str, Any] = {
            "type": "message",
            "id": f"1:bench-{user}-{time.time_ns()}",
            "timestamp": "2026-11-26T14:30:00.000Z",
            "channelId": "msteams",
            "serviceUrl": f"http://127.0.0.1:{connector_port}/",
            "from": {"id": f"29:1bench-{user}", "name": "Bench", "aadObjectId": str(uuid.UUID(int=int(user) + 1))},
            "recipient": {"id": "28:bench-bot", "name": "Passerelle"},
            "conversation": {"id": f"a:1bench-{user}", "conversationType": "personal", "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "fr-FR",
            "localTimezone": "Europe/Paris",
        }
        join = {"passerelle": {"a": "join", "v": ""}}
        kind = TEAMS_KINDS[i % len(TEAMS_KINDS)]
        if kind in ("help", "status"):
            activity["text"] = kind
        elif kind == "execute":
            activity |= {"type": "invoke", "name": "adaptiveCard/action", "replyToId": "1000000000001"}
            activity["value"] = {
                "action": {"type": "Action.Execute", "verb": "join", "data": join},
                "trigger": "manual",
            }
        else:
            activity |= {"value": join, "replyToId": "1000000000001"}
        made.append(activity)
    return made


async def load_teams(port: int, bodies: list[dict[str, Any]], concurrency: int) -> list[float]:
    latencies: list[float] = []
    queue = list(reversed(bodies))

    async def worker(session: aiohttp.ClientSession) -> None:
        while queue:
            body = queue.pop()
            began = time.perf_counter()
            async with session.post(f"http://127.0.0.1:{port}/api/messages", json=body) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status} for a {body['type']}")
            latencies.append(time.perf_counter() - began)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return latencies


async def bench_teams(count: int, concurrency: int, rounds: int) -> None:
    connector, connector_port = await bot_connector()
    with tempfile.TemporaryDirectory() as folder:
        settings = {"MICROSOFT_APP_ID": "", "DATABASE_URL": f"sqlite:///{folder}/bench.db"}
        ours, our_port = await start(ROOT / "app.py", settings)
        bare, bare_port = await start(ROOT / "bench" / "bare_teams.py", {})
        results: dict[str, list[float]] = {"bare": [], "passerelle": []}
        calls = {"bare": 0, "passerelle": 0}
        try:
            warm_up = min(WARM_UP, count)
            await load_teams(our_port, activities(warm_up, connector_port, 99), concurrency)  # warm up both
            await load_teams(bare_port, activities(warm_up, connector_port, 98), concurrency)
            for number in range(rounds):
                bodies = activities(count // rounds, connector_port, number)
                for name, port in (("bare", bare_port), ("passerelle", our_port)):
                    before = len(CONNECTOR_CALLS)
                    # Fresh ids for each app: an activity id seen before is a retry, which Passerelle does once.
                    results[name] += await load_teams(port, _renamed(bodies, name), concurrency)
                    calls[name] += len(CONNECTOR_CALLS) - before
            memory = {"bare": peak_memory_mib(bare.pid), "passerelle": peak_memory_mib(ours.pid)}
        finally:
            for process in (ours, bare):
                process.terminate()
                await process.wait()
            await connector.cleanup()
    done = sum(len(v) for v in results.values()) // 2
    print(
        f"{done} Teams activities (a quarter each typed help, typed status, Join as Action.Execute, Join as "
        f"Action.Submit), concurrency {concurrency}, {rounds} alternating rounds, on {os.cpu_count()} cores"
    )
    columns = ("p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms")
    print(f"{'app':<12}" + "".join(f"{c:>9}" for c in columns) + f"{'calls/act':>11}{'RSS MiB':>9}")
    for name, values in results.items():
        print(
            f"{name:<12}{percentile(values, 50) * 1000:>9.1f}{percentile(values, 95) * 1000:>9.1f}"
            f"{percentile(values, 99) * 1000:>9.1f}{max(values) * 1000:>9.1f}{statistics.mean(values) * 1000:>9.1f}"
            f"{calls[name] / len(values):>11.2f}{memory[name]:>9.0f}"
        )
    ratios = {p: percentile(results["passerelle"], p) / percentile(results["bare"], p) for p in (50, 95, 99)}
    print("ratio passerelle/bare: " + ", ".join(f"p{p} {r:.2f}" for p, r in ratios.items()))


def _renamed(bodies: list[dict[str, Any]], app: str) -> list[dict[str, Any]]:
    return [{**body, "id": f"{body['id']}-{app}"} for body in bodies]


async def main(count: int, concurrency: int, rounds: int, platform: str = "both") -> None:
    if platform in ("slack", "both"):
        await bench_slack(count, concurrency, rounds)
    if platform == "both":
        print()
    if platform in ("teams", "both"):
        await bench_teams(count, concurrency, rounds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", choices=("slack", "teams", "both"), default="both")
    parser.add_argument("--requests", type=int, default=2000, help="per platform")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.concurrency, arguments.rounds, arguments.platform))
