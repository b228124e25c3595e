"""The document a team writes about its infrastructure: parsed, bound to the checks, covered.

Pure (no network): :mod:`.markdown` parses the page into sections with the anchors GitHub and
MyST give them, :mod:`.binding` judges each check's quote against its section, and
:mod:`.coverage` finds the mentions no check covers. :mod:`.read` fetches the page once per run.
"""
