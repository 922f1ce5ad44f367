#!/usr/bin/env python3
"""List review dates: ok, due or overdue. See --help."""
import sys

from safeguarding_manual.tools.cli import check_reviews_main

sys.exit(check_reviews_main())
