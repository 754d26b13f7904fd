"""The web dashboard and JSON API: `create_app(config_dir)` in nervecenter.web.app (docs/web.md)."""
