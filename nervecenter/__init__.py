"""NerveCenter: credential tracking and pre-case clearance for IONM practices."""

__version__ = "0.1.0"

from nervecenter.core.hookspecs import hookimpl  # plugins write @nervecenter.hookimpl

__all__ = ["__version__", "hookimpl"]
