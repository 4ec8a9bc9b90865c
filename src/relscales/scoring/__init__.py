"""Compiling instruments and scoring response data."""
