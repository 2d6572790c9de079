"""``python -m report`` entry point."""

import sys

from report import rendering

if sys.argv[1:2] in (["deck"], ["bundle"]) and not {"-h", "--help"} & set(sys.argv):
    # the render workers load vl-convert on the other core while this process imports and
    # pools (a command line that turns out bad stops them unused)
    deck = sys.argv[1] == "deck"
    rendering.warm_up(rendering.DECK_PROCESSES if deck else rendering.RENDER_PROCESSES)

from report.cli import main

sys.exit(main())
