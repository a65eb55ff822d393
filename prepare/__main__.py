"""``python -m prepare ...``: the administrators' command line."""

import sys

from prepare.cli import main

sys.exit(main())
