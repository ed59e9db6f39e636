"""The Microsoft Teams channel: a botbuilder bot whose handler translates activities for the core and renders its
replies as Adaptive Cards (`channel`), its outbox sender (`outbox`), and the Teams app package (`package`).

Every `botbuilder` and `botframework` import of the project stays in this folder: Microsoft has ended the support of
the Bot Framework Python SDK, and a move to its successor (the Microsoft 365 Agents SDK) must touch this folder only.
Nothing is imported here, so that building the app package loads none of it.
"""
