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
