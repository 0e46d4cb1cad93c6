"""The exceptions of the Python bindings: one class per libvenc status code."""
from . import _lib


class VencError(Exception):
    """An error from libvenc: `.code` is the EncStatus, the text is the library's message."""

    def __init__(self, code, message):
        super().__init__(f"{message} (venc error {code})")
        self.code = code
        self.message = message


class InvalidArgument(VencError, ValueError):
    pass


class ArgumentOverflow(InvalidArgument, OverflowError):
    """An integer that does not fit the C type it is passed as (raised before it reaches ctypes,
    which would silently wrap it)."""


class BadHandle(VencError):
    pass


class WrongState(VencError):
    pass


class Unsupported(VencError, NotImplementedError):
    pass


class Busy(VencError):
    pass


class OutOfMemory(VencError, MemoryError):
    pass


class InternalError(VencError):
    pass


class BufferTooSmall(VencError):
    pass


_ERRORS = {-1: InvalidArgument, -2: BadHandle, -3: WrongState, -4: Unsupported, -5: Busy, -6: OutOfMemory,
           -7: InternalError, -8: BufferTooSmall}


def check(status, handle=None):
    """`status` if it is not an error, else the matching exception with the library's message."""
    if status < 0:
        cls = _ERRORS.get(status, VencError)
        raise cls(status, _lib.last_error(handle))
    return status
