#!/usr/bin/env python3
"""Screenshots of every page type at 375 and 1280 px (see safeguarding_manual/screens.py)."""
import sys

from safeguarding_manual.tools.screens import main

sys.exit(main())
