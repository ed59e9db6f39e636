"""The Teams baseline for bench/ack.py: a botbuilder bot that answers each message with one short text and each
card action with a short invoke answer, on the same CloudAdapter and aiohttp as Passerelle, without authentication
(as Passerelle is benched). Its answers go to the serviceUrl of each activity, as Passerelle's do."""

import os

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity


class Bare(ActivityHandler):  # type: ignore[misc]  # the SDK ships no type information
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        # A typed command and an Action.Submit (a message with a value) alike: one short reply.
        await turn_context.send_activity("ok")

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # An Action.Execute: answered in the invoke's own response, as Passerelle answers a press without a card.
        return InvokeResponse(
            status=200, body={"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": "ok"}
        )


def main() -> None:
    configuration = type("Configuration", (), {"APP_ID": "", "APP_PASSWORD": "", "APP_TYPE": "MultiTenant"})()
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(configuration))
    bot = Bare()

    async def messages(request: web.Request) -> web.Response:
        # As Passerelle's `POST /api/messages`: the activity through the adapter, 200 with an invoke's body, else
        # 200 empty (the adapter's own `process` would answer 201).
        activity = Activity().deserialize(await request.json())
        response = await adapter.process_activity(request.headers.get("Authorization", ""), activity, bot.on_turn)
        if response is None:
            return web.Response(status=200)
        return web.json_response(response.body if response.body is not None else {}, status=response.status)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application()
    web_app.router.add_post("/api/messages", messages)
    web_app.router.add_get("/healthz", healthz)
    web.run_app(web_app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None)


if __name__ == "__main__":
    main()
