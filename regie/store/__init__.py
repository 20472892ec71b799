"""The pool's stores: the catalogue database, the content-addressed archive, and where everything lives."""
