"""Decoders: pure functions from a message's bytes to frozen dataclasses, one module per protocol."""
from .common import Decoded, DockReport, Fix, Rejection
from .docks import decode_offload
from .native import decode_position
from .owntracks import decode_owntracks

__all__ = ["Decoded", "DockReport", "Fix", "Rejection", "decode_offload", "decode_owntracks", "decode_position"]
