"""Volunteers: onboarding, profile, pause and resume, leave, not-with, export and erasure of their data."""
