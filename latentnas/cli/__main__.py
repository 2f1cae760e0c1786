"""``python -m latentnas.cli``: the same as the ``latentnas`` command."""

import sys

from latentnas.cli import main

sys.exit(main())
