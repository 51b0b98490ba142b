"""The project's layout cannot quietly drop an app: every test lives under tests/ (the only
testpath), every app of ours has its tests there, and every app is in the layering contract."""

import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
NOT_SOURCE = {".venv", ".venv-cin", "node_modules", "var", "staticfiles", ".git", "static"}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _our_apps() -> list[str]:
    return sorted(
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT and config.label != "config"
    )


def test_pytest_collects_one_tree():
    assert _pyproject()["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]


def test_no_test_module_lives_outside_tests():
    stray = [
        str(path.relative_to(ROOT))
        for top in ROOT.iterdir()
        if top.is_dir() and top.name not in NOT_SOURCE and top.name != "tests"
        for path in top.rglob("test_*.py")
    ]
    assert stray == []


def test_every_app_has_its_tests_collected():
    missing = [label for label in _our_apps() if not list((ROOT / "tests" / label).glob("test_*.py"))]
    assert missing == [], f"apps with no tests under tests/<app>/: {missing}"


def test_every_app_is_in_the_layering_contract_with_nothing_ignored():
    linter = _pyproject()["tool"]["importlinter"]
    (layers,) = [contract for contract in linter["contracts"] if contract["type"] == "layers"]
    in_layers = sorted(
        name.strip() for layer in layers["layers"] for name in layer.replace(":", "|").split("|")
    )
    assert sorted(linter["root_packages"]) == in_layers
    assert sorted([*_our_apps(), "config"]) == in_layers
    assert not any(contract.get("ignore_imports") for contract in linter["contracts"])
