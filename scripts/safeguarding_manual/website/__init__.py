"""The site: turning the content into what readers get.

Generated pages (contents, by agency and topic, threshold levels and matrix, what's changed,
the manual on a date), search (Pagefind index and thesaurus data), earlier versions from git
history, the PDFs, the offline copy, the web editor's configuration and page, the
Content-Security-Policy, and the fast preview's bookkeeping. Nothing here imports MkDocs: a
different engine needs only a new adapter like `engine/`.
"""
