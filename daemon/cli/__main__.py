"""``python -m relance.daemon.cli``: the same as the ``relance`` command."""

import sys

from .main import main

sys.exit(main())
