"""The platform-neutral core: domain rules, conversations, commands and texts."""
