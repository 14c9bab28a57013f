"""Pages of the consult app, one module per part; urls.py imports them from here."""

from tanzim.consult.views import diagnosis, editor

__all__ = ["diagnosis", "editor"]
