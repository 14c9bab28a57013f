"""Scheduling over the API, one module per sub-workflow; routes are in ``scheduling/api_urls.py``.

- ``appointments``: list, book, read, cancel, move, check in, calendar file;
- ``suggestions``: suggestions, availability, the channel choice;
- ``flexible``: flexible requests;
- ``queue``: an office's queue, its tickets, display and policy;
- ``metrics``: figures by office, province and nation;
- ``common``: the error envelope and the lookups they share.
"""
