"""The `qm` console script's own help: the leading --lang the README documents, before Django's command list."""
import subprocess
import sys


def test_the_main_help_names_the_leading_lang_and_lists_the_product_commands():
    for argv in (["--help"], ["help"], []):
        done = subprocess.run([sys.executable, "-m", "quartermaster.cli", *argv], capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert "usage: qm [--lang {zh-hans,en}] COMMAND [options]" in done.stdout
        for command in ("compliance", "recorders", "track", "trips", "register", "gis", "simulate", "demo"):
            assert f"    {command}\n" in done.stdout


def test_argparse_refusals_read_in_the_command_lines_language():
    """A bad --format value or a missing argument: exit 2 with the reason in Chinese by default, English with a
    leading --lang en or QM_LANGUAGE=en (argparse itself only speaks English); the usage line stays as it is."""
    import os

    def qm(*argv, **env):
        base = {k: v for k, v in os.environ.items() if k != "QM_LANGUAGE"}
        return subprocess.run([sys.executable, "-m", "quartermaster.cli", *argv], capture_output=True, text=True,
                              timeout=120, check=False, env={**base, **env})

    chinese = qm("track", "T1", "--format", "kml")
    assert chinese.returncode == 2 and chinese.stdout == "" and "Traceback" not in chinese.stderr
    assert "usage: qm track" in chinese.stderr
    assert "qm track：错误：参数 --format：无效的值 'kml'（可选：'json', 'csv', 'gpx'）" in chinese.stderr
    assert "qm register：错误：缺少必需的参数：--month" in qm("register", "--unit", "CZ").stderr
    for english in (qm("--lang", "en", "track", "T1", "--format", "kml"),
                    qm("track", "T1", "--format", "kml", QM_LANGUAGE="en")):
        assert english.returncode == 2
        assert "qm track: error: argument --format: invalid choice: 'kml' (choose from 'json', 'csv', 'gpx')" \
            in english.stderr
