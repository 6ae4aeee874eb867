"""`qm gis import` and `qm gis sample --load` as the command line runs them."""
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from gis import services
from gis.models import GridCell, LayerVersion, Street, Venue

from .conftest import LAT0, LON0, grid_frame


def test_import_command_reports_the_new_version(db, write, capsys):
    call_command("gis", "import", "--layer", "grid", str(write(grid_frame(), "g.geojson")))
    out = capsys.readouterr()
    assert "grid：第 1 版已启用，9 个要素（修复 0 个），坐标系 EPSG:4326" in out.out
    assert "警告：还没有任何单位：未检查单位代码" in out.err
    with translation.override("en"):  # qm --lang en / QM_LANGUAGE=en
        call_command("gis", "import", "--layer", "grid", str(write(grid_frame(), "g.geojson")))
    assert "grid: version 2 active, 9 features (0 repaired), from EPSG:4326" in capsys.readouterr().out


def test_import_command_refuses_bad_input_naming_the_feature(db, write):
    frame = grid_frame()
    frame.loc[5, "code"] = "12"
    with pytest.raises(CommandError, match=r"第 5 个要素（code 12） 网格编码 '12' 不是 14 或 15 位数字"):
        call_command("gis", "import", "--layer", "grid", str(write(frame, "g.geojson")))
    assert not LayerVersion.objects.exists()


def test_command_line_exit_code_and_stderr(tmp_path):
    missing = tmp_path / "none.geojson"
    proc = subprocess.run([sys.executable, "-m", "quartermaster.cli", "gis", "import", "--layer", "venues",
                           str(missing)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0
    assert f"{missing}：文件不存在" in proc.stderr
    command = [sys.executable, "-m", "quartermaster.cli", "--lang", "en", "gis", "import", "--layer", "venues"]
    english = subprocess.run([*command, str(missing)], capture_output=True, text=True, timeout=120, check=False)
    assert english.returncode != 0 and f"{missing}: no such file" in english.stderr


def test_sample_load_imports_every_layer_and_the_index_sees_them(db, bureau, capsys):
    # The test bureau lacks CZ-ZL/CZ-XB: with org units present the sample's unit codes are checked.
    with pytest.raises(CommandError, match="单位 'CZ-ZL-01' 不是已登记的单位"):
        call_command("gis", "sample", "--load")
    assert not LayerVersion.objects.exists()


def test_sample_load_on_an_empty_database(db, capsys):
    call_command("gis", "sample", "--load")
    out = capsys.readouterr().out
    assert "grid：第 1 版已启用，5400 个要素" in out
    assert GridCell.objects.count() == 5400 and Street.objects.count() > 20 and Venue.objects.count() == 360
    index = services.spatial_index()
    assert index._grid.__class__.__name__ == "_RectilinearGrid"
    result = index.classify([LON0], [LAT0])
    assert result.grid_code[0] is not None and result.grid_unit[0].startswith("CZ-")


def test_unknown_layer_is_refused_by_the_parser(db):
    with pytest.raises(CommandError, match="invalid choice: 'roads'"):
        call_command("gis", "import", "--layer", "roads", "x.geojson")


def test_sample_needs_output_or_load(db):
    with pytest.raises(CommandError, match="--output DIR、--load"):
        call_command("gis", "sample")


def test_sample_output_onto_a_file_is_refused_with_the_reason(db, tmp_path):
    """`qm gis sample --output F` where F is a file: the reason, not FileExistsError's traceback."""
    taken = tmp_path / "taken"
    taken.write_text("")
    with pytest.raises(CommandError, match=f"无法写入 {taken}："):
        call_command("gis", "sample", "--output", str(taken))
