#!/usr/bin/env python3
"""Check cross-references, links and the procedure graph. See --help."""
import sys

from safeguarding_manual.tools.cli import check_xrefs_main

sys.exit(check_xrefs_main())
