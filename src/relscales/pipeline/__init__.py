"""Orchestration: the one layer that joins reading data to scoring it, for every command."""
