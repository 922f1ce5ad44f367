#!/usr/bin/env python3
"""Build and check the site, then replace site/ only if everything passed. See --help."""
import sys

from safeguarding_manual.tools.publish import main

sys.exit(main())
