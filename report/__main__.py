"""``python -m report`` entry point."""

import sys

from report.cli import main

sys.exit(main())
