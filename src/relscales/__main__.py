"""``python -m relscales``: the same as the ``relscales`` command."""

from relscales.cli import run

if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess test
    run()
