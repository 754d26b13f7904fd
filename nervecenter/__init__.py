"""NerveCenter: credential tracking and pre-case clearance for IONM practices."""

__version__ = "0.1.0"
