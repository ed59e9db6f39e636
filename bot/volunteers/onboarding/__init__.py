"""Onboarding through conversation (journey 2): the questions and the conversation that asks them."""
