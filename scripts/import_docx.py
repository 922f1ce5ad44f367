#!/usr/bin/env python3
"""Import a Word (.docx) procedure as a new draft. See --help."""
import sys

from safeguarding_manual.tools.importdocx import main

sys.exit(main())
