"""``python -m bot`` runs the bot, like ``ragbot serve``."""

import sys

from bot.cli import main

raise SystemExit(main(["serve", *sys.argv[1:]]))
