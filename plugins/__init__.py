"""NerveCenter's built-in plugins, installed as `nervecenter.plugins` and registered through the
same entry points and hooks as a third-party package."""
