"""The partners API: the signed partner API (``partner``) and the offices' and Kanoon's (``staff``)."""
