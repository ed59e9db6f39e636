"""Matching in chat (journeys 3–4): the pool, the coordinator's preview and adjustments, confirmation and the
announcement, and what the members of a pair do together."""
