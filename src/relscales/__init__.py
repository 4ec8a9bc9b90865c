"""relscales: validated questionnaires on relationship insecurity, reassurance seeking and attachment."""
from relscales._version import __version__
from relscales.instruments.loader import load_instrument, validate_file
__all__ = ["__version__", "load_instrument", "validate_file"]
