"""The one way out: messages the bot sends on its own, stored with their cause, delivered once by a worker."""
