"""The content model: what the manual is made of, and its rules.

Procedures (Markdown with front matter, in section folders), the data files (threshold,
glossary, thesaurus, documents, contacts), the schema every front matter follows, the loader
that validates them with plain-English findings naming the file and line, the reference index
behind `[[...]]` links, review dates, and the safety checks on what an editor may write. It
knows nothing about MkDocs or any other site engine (tests/test_public_api.py proves it): the
checks, the tools and the site all start here.
"""
