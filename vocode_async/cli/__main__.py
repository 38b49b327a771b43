"""``python -m vocode_async.cli``."""

from . import console

console()
