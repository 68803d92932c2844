"""The README's promises that code can check: the two commands, and one table row for every
environment variable the settings read."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _settings_variables() -> set[str]:
    source = (ROOT / "src/messagecenter/settings.py").read_text(encoding="utf-8")
    return set(re.findall(r"env_[a-z]+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["./mc serve", "./mc test"]
    assert README.index("```sh") < README.index("\n## ")


@pytest.mark.parametrize("variable", sorted(_settings_variables()))
def test_every_setting_variable_has_a_row_in_the_readme_table(variable):
    assert re.search(rf"^\| `{variable}`", README, re.MULTILINE) or re.search(
        rf"^\| [^|]*`{variable}`", README, re.MULTILINE
    ), f"{variable} is read in settings.py but missing from the README's configuration table"


def test_the_settings_really_read_variables():
    assert {"MC_PROFILE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= _settings_variables()


@pytest.mark.parametrize("script", ["mc", ".ci/run"])
def test_shell_scripts_parse_and_are_executable(script):
    path = ROOT / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    subprocess.run(["bash", "-n", str(path)], check=True)
