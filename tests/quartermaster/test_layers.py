"""The layers of pyproject.toml [tool.importlinter] hold for the code, and the contract catches an import upwards."""
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=240,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd), **env})


def test_the_code_keeps_its_layers():
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 1 kept, 0 broken." in run.stdout


def test_every_package_of_the_project_is_in_a_layer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {name.rstrip("*") for name in config["tool"]["setuptools"]["packages"]["find"]["include"]}
    linted = set(config["tool"]["importlinter"]["root_packages"])
    (layers,) = [c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    named = {module.strip().split(".")[0] for layer in layers for module in layer.replace("|", ":").split(":")}
    assert packages == linted == named
    listed = {module.strip() for layer in layers for module in layer.replace("|", ":").split(":")}
    project = {f"quartermaster.{p.stem}" for p in (ROOT / "quartermaster").iterdir()
               if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.stem != "__init__"}
    assert project <= listed, f"quartermaster modules in no layer: {sorted(project - listed)}"


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("assets/services.py", "import telematics.models", "assets.services -> telematics.models"),
    ("uniforms/selectors.py", "from compliance import services", "uniforms.selectors -> compliance.services"),
    ("gis/services.py", "import api.urls", "gis.services -> api.urls"),
    ("telematics/services.py", "from workbook import importer", "telematics.services -> workbook.importer"),
])
def test_an_import_upwards_breaks_the_contract(tmp_path, module, line, broken):
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for package in config["tool"]["importlinter"]["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "templates", "static", "locale"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / module, "a", encoding="utf-8") as source:
        source.write(f"\n{line}\n")
    run = _lint(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Contracts: 0 kept, 1 broken." in run.stdout
    assert broken in run.stdout
