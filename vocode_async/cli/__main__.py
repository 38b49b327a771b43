"""``python -m vocode_async.cli``."""

from . import main

main()
