"""``python -m tkidata``."""

import sys

from tkidata.cli import main

sys.exit(main())
