"""Instrument files: YAML loading with locations, semantic checks, the registry."""
