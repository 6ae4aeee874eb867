"""`qm serve`'s refusal of an address it cannot listen on, in the operator's language."""
import socket

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation


def test_a_taken_port_is_refused_in_chinese_unless_english_was_chosen():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match=f"^无法在 127.0.0.1:{port} 上监听："):
            call_command("serve", host="127.0.0.1", port=port)
        with translation.override("en"), pytest.raises(CommandError, match=f"^cannot listen on 127.0.0.1:{port}: "):
            call_command("serve", host="127.0.0.1", port=port)


@pytest.mark.parametrize("args", [["serve", "--port", "99999"], ["jt808", "--port", "x"], ["demo", "--jt808-port", "-1"]])
def test_a_port_out_of_range_is_a_usage_error_not_a_traceback(args):
    """`qm serve --port 99999` used to end in an OverflowError's traceback (bind() only checks the range)."""
    import subprocess
    import sys

    def qm(*argv):
        return subprocess.run([sys.executable, "-m", "quartermaster.cli", *argv], capture_output=True, text=True,
                              timeout=120, check=False)

    chinese, english = qm(*args), qm("--lang", "en", *args)
    assert chinese.returncode == english.returncode == 2
    assert f"端口应为 0 到 65535 之间的整数，而不是 {args[-1]}" in chinese.stderr
    assert f"a port is a whole number from 0 to 65535, not {args[-1]}" in english.stderr
    assert "Traceback" not in chinese.stderr + english.stderr and chinese.stdout == english.stdout == ""
