"""`nervecenter --help` and plugin loading stay cheap: the engine, the database layer and Apprise
load on first use, not when the command line lists its commands (a plugin that imported them at
load time made `--help` 0.15 s -> 0.75 s)."""

import subprocess
import sys

HEAVY = ("sqlalchemy", "alembic", "apprise", "nervecenter.service.actions",
         "nervecenter.service.workspace")

PROBE = """import sys
from click.testing import CliRunner
from nervecenter.cli import cli
result = CliRunner().invoke(cli, ["--help"])
assert result.exit_code == 0, result.output
assert "screen" in result.output  # the plugins' commands were loaded
print(" ".join(m for m in %r if m in sys.modules))
"""


def test_help_loads_no_engine_database_or_apprise():
    out = subprocess.run([sys.executable, "-c", PROBE % (HEAVY,)], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == ""
