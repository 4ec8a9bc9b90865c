"""Presentation: readable text for people (reports render from templates here)."""
