"""``python -m urbanchain.cli``: the same as the ``urbanchain`` command."""

import sys

from urbanchain.cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess
    sys.exit(main())
