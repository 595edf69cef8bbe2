"""Development tools: the API reference pages and the docs build's griffe extension (not part of the package)."""
