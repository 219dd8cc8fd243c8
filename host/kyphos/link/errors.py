"""What a board's answer can go wrong with: :class:`DeviceError` (the board answered ERR, with
a hint per ERR code, docs/protocol.md) and :class:`DeviceTimeout` (no answer in time)."""

from __future__ import annotations

from kyphos.protocol.constants import ErrCode, Opcode
from kyphos.transport.base import LinkError

_ERR_HINTS: dict[int, str] = {
    ErrCode.UNKNOWN_OPCODE: "update the board's firmware (kyphos flash)",
    ErrCode.BAD_ARGUMENTS: "check the arguments",
    ErrCode.UNKNOWN_CONFIG_KEY: "`kyphos config get` lists the keys",
    ErrCode.CONFIG_OUT_OF_RANGE: "see docs/firmware.md for the range",
    ErrCode.NOT_PERMITTED_UNENCRYPTED: (
        "pair first: press the board's button, remove the old pairing from this computer, then "
        "kyphos pair --device TARGET within 60 s (or use USB serial)"),
    ErrCode.BUSY: "try again in a moment",
    ErrCode.NO_SUCH_LOG: "`kyphos download --list` shows the logs",
    ErrCode.STORAGE_FULL: "free space on the board: kyphos erase",
    ErrCode.IMU_ERROR: "check the IMU wiring and restart the board",
    ErrCode.MTU_TOO_SMALL: "the Bluetooth link's MTU is too small; use a host that negotiates MTU ≥ 185",
}


class DeviceError(LinkError):
    """The board answered ERR: ``code`` (docs/protocol.md ERR codes) and its message."""

    def __init__(self, device: str, opcode: int, code: int, message: str) -> None:
        self.opcode = opcode
        self.code = code
        self.message = message
        name = Opcode(opcode).name if opcode in Opcode._value2member_map_ else f"0x{opcode:02x}"
        super().__init__(device, f"{name} refused: {message} (ERR {code})", _ERR_HINTS.get(code, ""))


class DeviceTimeout(LinkError):
    """No answer in time."""
