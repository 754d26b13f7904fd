"""The plugin system: hooks and their docs, registration, failures that name the plugin, and
third-party packages installed into a throwaway virtual environment."""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from kit.plugins import third_party

import nervecenter
from nervecenter import hookimpl
from nervecenter.core import config, hookspecs, plugins
from nervecenter.core.errors import ConfigError, PluginError
from nervecenter.core.model import RuleKind

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "example"
HOOKS = [name for name, f in inspect.getmembers(hookspecs, inspect.isfunction)
         if hasattr(f, "nervecenter_spec")]


@pytest.fixture
def fresh_plugins():
    """A plugin manager of our own, forgotten afterwards so that other tests see the built-ins."""
    plugins.reset()
    yield plugins
    plugins.reset()


def _rule_kind(kind_id: str) -> RuleKind:
    return RuleKind(id=kind_id, description="test", check=lambda *a: [],
                    params_schema={"type": "object", "additionalProperties": False,
                                   "properties": {}})


# ---------------------------------------------------------------- hooks and their documentation


def test_the_hooks():
    assert sorted(HOOKS) == ["register_channels", "register_commands",
                             "register_credential_types", "register_rule_kinds"]


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_one_line_docstring(hook):
    doc = getattr(hookspecs, hook).__doc__
    assert doc and doc.strip() and "\n" not in doc.strip(), f"{hook} needs a one-line docstring"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section_in_the_docs(hook):
    text = (ROOT / "docs" / "plugins.md").read_text()
    section = re.search(rf"^### `?{hook}\(([a-z]+)\)`?\n(.+?)(?=^##)", text + "\n##",
                        re.MULTILINE | re.DOTALL)
    assert section, f"docs/plugins.md needs a '### {hook}(...)' section"
    argument = inspect.signature(getattr(hookspecs, hook)).parameters
    assert list(argument) == [section.group(1)], "the section names the hook's argument"
    assert "```python" in section.group(2), f"the {hook} section needs an example"


# ---------------------------------------------------------------- built-ins and registration


def test_built_in_plugins_register_through_the_hooks(fresh_plugins):
    reg = plugins.registry()
    assert {"ionm", "facility-health"} <= set(reg.plugins)
    assert reg.plugins["ionm"].version == nervecenter.__version__
    assert reg.plugins["ionm"].package is None
    by_plugin = {}
    for source in reg.credential_types:
        by_plugin.setdefault(source.plugin, []).append(source.path.stem)
    assert sorted(by_plugin["ionm"]) == ["abcn", "abpn_cnp", "acls", "bls", "cltm", "cnim",
                                         "d_abnm", "facility_privileges", "pals", "r_eeg_t",
                                         "r_ep_t", "state_license"]
    assert sorted(by_plugin["facility-health"]) == ["background_check",
                                                    "bloodborne_pathogens_training",
                                                    "hepatitis_b_immunity", "hipaa_training",
                                                    "influenza_vaccine", "mmr_immunity",
                                                    "respirator_fit_test", "tb_screening", "tdap",
                                                    "varicella_immunity"]


def test_plugins_are_loaded_once(fresh_plugins):
    assert plugins.get_plugin_manager() is plugins.get_plugin_manager()
    assert plugins.registry() is plugins.registry()


def test_a_plugin_object_adds_a_type_a_rule_kind_and_a_command(fresh_plugins, builtin_plugins):
    # builtin_plugins: the fixture package sleep_lab (installed in CI) registers rpsgt too
    import click

    class Extras:
        @hookimpl
        def register_credential_types(self, register):
            register({"id": "rpsgt", "name": "RPSGT", "issuer": "BRPT", "validity_months": 60})

        @hookimpl
        def register_rule_kinds(self, register):
            register(_rule_kind("on_call"))

        @hookimpl
        def register_commands(self, cli):
            @cli.command()
            def hello():
                """Say hello."""

    plugins.add_plugin(Extras(), "extras", "2.0")
    reg = plugins.registry()
    assert reg.rule_kinds["on_call"].plugin == "extras"
    types = config.plugin_credential_types()
    assert types["rpsgt"].plugin == "extras" and types["rpsgt"].validity_months == 60
    assert isinstance(plugins.plugin_commands()["hello"], click.Command)
    row = next(r for r in plugins.describe(types) if r["name"] == "extras")
    assert row == {"name": "extras", "version": "2.0", "package": None,
                   "module": row["module"], "credential_types": ["rpsgt"],
                   "rule_kinds": ["on_call"], "channels": [], "commands": ["hello"]}


def test_a_misspelled_hook_is_refused_with_the_right_name(fresh_plugins):
    class Typo:
        @hookimpl
        def register_credential_type(self, register):
            pass

    with pytest.raises(PluginError) as info:
        plugins.add_plugin(Typo(), "typo")
    assert str(info.value).startswith(
        "plugin 'typo': unknown hook 'register_credential_type'; did you mean "
        "'register_credential_types'?")


def test_a_hook_that_raises_names_the_plugin_file_and_line(fresh_plugins):
    class Faulty:
        @hookimpl
        def register_rule_kinds(self, register):
            raise ValueError("no licence key")

    line = inspect.getsourcelines(Faulty.register_rule_kinds)[1] + 2
    plugins.add_plugin(Faulty(), "faulty")
    with pytest.raises(PluginError) as info:
        plugins.registry()
    assert str(info.value) == (f"{__file__}:{line}: plugin 'faulty' failed in "
                               "register_rule_kinds: ValueError: no licence key")


def test_registering_the_wrong_thing_says_what_to_register(fresh_plugins):
    class Wrong:
        @hookimpl
        def register_rule_kinds(self, register):
            register({"id": "not a RuleKind"})

    plugins.add_plugin(Wrong(), "wrong")
    with pytest.raises(PluginError, match=r"plugin 'wrong', register_rule_kinds: register\(\) "
                                          r"takes a nervecenter.core.model.RuleKind, not dict"):
        plugins.registry()


def test_two_plugins_cannot_register_the_same_rule_kind(fresh_plugins):
    class First:
        @hookimpl
        def register_rule_kinds(self, register):
            register(_rule_kind("shared"))

    class Second(First):
        pass

    plugins.add_plugin(First(), "first")
    plugins.add_plugin(Second(), "second")
    with pytest.raises(PluginError, match="rule kind 'shared' is already registered by plugin "):
        plugins.registry()


def test_two_plugins_defining_one_credential_type(fresh_plugins):
    class Again:
        @hookimpl
        def register_credential_types(self, register):
            register({"id": "bls", "name": "BLS again"})

    plugins.add_plugin(Again(), "again")
    with pytest.raises(ConfigError) as info:
        config.plugin_credential_types()
    (problem,) = info.value.problems
    assert problem.file == "plugin again"
    assert problem.message.startswith("credential type 'bls' is also defined by plugin 'ionm' (")
    assert problem.message.endswith("bls.yaml:1); uninstall one")


def test_a_yaml_type_with_an_error_is_reported_at_its_line(fresh_plugins, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nname: Bad\nexpiry: end_of_week\n")

    class Yaml:
        @hookimpl
        def register_credential_types(self, register):
            register(bad)

    plugins.add_plugin(Yaml(), "yaml")
    with pytest.raises(ConfigError) as info:
        config.plugin_credential_types()
    assert str(info.value) == (f"{bad}:3: expiry: 'end_of_week' is not one of exact, "
                               "end_of_month, end_of_year, season, never")


# ---------------------------------------------------------------- third-party packages


def _throwaway_venv(path: Path) -> Path:
    """A virtual environment that sees this one's packages (no download), own site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    site = Path(subprocess.run([str(path / "bin" / "python"), "-c",
                                "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    ours = sysconfig.get_paths()["purelib"]
    (site / "_nervecenter_test.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return path / "bin" / "python"


def _pip_install(python: Path, package: Path) -> None:
    """Install a fixture package from a copy (a build writes build/ and egg-info beside it)."""
    source = python.parent.parent.parent / "src" / package.name
    shutil.copytree(package, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", str(source)],
                   check=True, capture_output=True, text=True)


def _nervecenter(python: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NERVECENTER_CONFIG"}
    return subprocess.run([str(python), "-c", "from nervecenter.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    return _throwaway_venv(tmp_path_factory.mktemp("venv") / "venv")


def test_a_third_party_package_adds_a_type_and_a_rule_kind(venv, tmp_path, monkeypatch):
    _pip_install(venv, FIXTURES / "nervecenter-sleep-lab")
    result = _nervecenter(venv, "plugins", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    row = next(p for p in report["plugins"] if p["name"] == "sleep_lab")
    assert (row["version"], row["package"]) == ("1.2.0", "nervecenter-sleep-lab")
    assert row["credential_types"] == ["rpsgt"] and row["rule_kinds"] == ["cases_per_day"]
    assert row["commands"] == ["sleep-lab"]
    assert {"ionm", "facility-health"} <= {p["name"] for p in report["plugins"]}

    table = _nervecenter(venv, "plugins").stdout
    assert "sleep_lab 1.2.0 (package nervecenter-sleep-lab)" in table

    # its command is part of the CLI
    assert re.search(r"^  sleep-lab +What the sleep-lab plugin adds\.$",
                     _nervecenter(venv, "--help").stdout, re.MULTILINE)
    command = _nervecenter(venv, "sleep-lab")
    assert (command.returncode, command.stdout) == (0, ("RPSGT: valid 60 months, renew 60 days "
                                                       "ahead\n"))

    # a practice uses them with no change to NerveCenter
    cfg = tmp_path / "cfg"
    shutil.copytree(EXAMPLE, cfg, ignore=shutil.ignore_patterns(".nervecenter"))
    (cfg / "facilities" / "sleep.yaml").write_text(
        "id: sleep-center\nname: Sleep Center\nstate: LA\nrequirements:\n"
        "  - credential: rpsgt\n  - rule: cases_per_day\n    max: 2\n")
    checked = _nervecenter(venv, "check", "--config", str(cfg))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("OK: Bayou Neuromonitoring")
    assert ("24 credential types from exclusion-screening, facility-health, ionm, sleep_lab; "
            "2 rule kinds") in checked.stdout

    # and this environment, without the package (switched off by name where CI installed it
    # here too), does not know them
    monkeypatch.setenv(plugins.DISABLE_ENV, " ".join(third_party()))
    plugins.reset()
    try:
        assert "rpsgt" not in config.plugin_credential_types()
    finally:
        monkeypatch.undo()
        plugins.reset()


def test_a_package_whose_entry_point_raises_is_named_with_its_file_and_line(tmp_path):
    venv = _throwaway_venv(tmp_path / "venv")
    _pip_install(venv, FIXTURES / "nervecenter-broken")
    site = Path(subprocess.run([str(venv), "-c", ("import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])")],
                               capture_output=True, text=True, check=True).stdout.strip())
    expected = (f"{site / 'nervecenter_broken' / '__init__.py'}:5: plugin 'broken' (package "
                "nervecenter-broken 0.0.1) failed to load: RuntimeError: the vendor API key is "
                "not configured; fix it or `pip uninstall nervecenter-broken`")
    for args in (["plugins"], ["check", "--config", str(EXAMPLE)], ["schema", "facility"]):
        result = _nervecenter(venv, *args)
        assert result.returncode == 1, args
        assert result.stderr.strip() == expected, args
        assert "Traceback" not in result.stderr
    # the rest of the CLI still works, so the user can read the help and uninstall
    assert _nervecenter(venv, "--help").returncode == 0


def test_the_built_in_types_and_example_ship_in_the_wheel(tmp_path):
    """`pip install .` (not editable) must carry the YAML plugins and the example practice."""
    src = tmp_path / "src"
    for folder in ("nervecenter", "plugins", "config"):
        shutil.copytree(ROOT / folder, src / folder,
                        ignore=shutil.ignore_patterns("__pycache__", ".nervecenter"))
    shutil.copy(ROOT / "pyproject.toml", src)
    readme = ROOT / "README.md"
    (src / "README.md").write_text(readme.read_text() if readme.exists() else "NerveCenter\n")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", "-w", str(tmp_path / "dist"), str(src)],
                   check=True, capture_output=True, text=True)
    (wheel,) = (tmp_path / "dist").glob("nervecenter-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    types = {n for n in names if n.startswith("nervecenter/plugins/credential_types/")
             and n.endswith(".yaml")}
    assert len(types) == 22
    assert "nervecenter/plugins/credential_types/ionm/cnim.yaml" in types
    assert "nervecenter/plugins/credential_types/facility_health/tb_screening.yaml" in types
    for name in ("practice.yaml", "people.yaml", "cases.csv", "facilities/ochsner-main.yaml",
                 "facilities/tulane.yaml", "facilities/memorial-hermann-tmc.yaml",
                 "states/LA.yaml", "documents/okafor-tulane-reappointment.pdf"):
        assert f"nervecenter/example/{name}" in names
