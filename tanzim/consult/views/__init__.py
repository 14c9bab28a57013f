"""Pages of the consult app, one module per part; urls.py imports them from here."""

from tanzim.consult.views import consultations, diagnosis, drafting, editor

__all__ = ["consultations", "diagnosis", "drafting", "editor"]
