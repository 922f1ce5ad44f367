#!/usr/bin/env python3
"""Build-speed, preview and size benchmark on synthetic manuals. See --help."""
import sys

from safeguarding_manual.tools.bench import main

sys.exit(main())
