"""The `regie` command line (`main`), the top layer."""
