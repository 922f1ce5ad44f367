"""The tools the business team and CI run: the checks (`check_xrefs.py`, `check_reviews.py`),
the new-procedure scaffold, the Word importer, publishing with a last-good-site guarantee,
the benchmark and the screenshots. The thin scripts in scripts/ call these.
"""
