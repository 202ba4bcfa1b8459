"""Publishing: linked open data exports with DCAT, the static site and ``planegraf serve``."""
