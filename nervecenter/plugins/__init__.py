"""NerveCenter's built-in plugins, registered through the same hooks as third-party packages
(see nervecenter.core.plugins.DEFAULT_PLUGINS)."""
