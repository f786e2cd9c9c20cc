"""`python -m bot` runs the `jindu` command."""

from bot.cli import main

raise SystemExit(main())
