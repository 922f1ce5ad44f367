"""The thin adapter between the site and its engine: the MkDocs plugin (`manual`) and its
settings. It also runs on ProperDocs, the maintained fork of MkDocs 1.6 (tests/test_engines.py
builds with both and compares). Only this folder may import MkDocs.
"""
