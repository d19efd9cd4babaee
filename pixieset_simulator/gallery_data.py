"""Gallery tables: collections and their sub-resources (numeric ids, as the API sends them)."""

from __future__ import annotations
