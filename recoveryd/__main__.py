"""Run ``python -m recoveryd``."""

from recoveryd.cli import main

raise SystemExit(main())
