"""Family shapes of the real-world bounce corpus (see ../make_corpus.py)."""
