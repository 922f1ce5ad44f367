#!/usr/bin/env python3
"""Start a new draft procedure with the standard headings. See --help."""
import sys

from safeguarding_manual.tools.newproc import main

sys.exit(main())
