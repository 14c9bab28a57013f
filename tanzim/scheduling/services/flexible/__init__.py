"""Flexible requests and the nightly batch that places them.

- ``requests``: a citizen's request (create, withdraw) and booking one assignment;
- ``rebalance``: the assignment as a transportation problem, its costs, pricing and bounds;
- ``mcf``: the default solver, an integer min-cost flow (OR-Tools) priced over every office;
- ``near``: the fast exact pricing from each request's nearest offices;
- ``dense``: the pricing over every office from a table of every request's travel (in two threads);
- ``ahead``: the warm start computed in a forked child process while the first flow is solved;
- ``batch``: the problem read from the database, solved, and booked.
"""

from tanzim.scheduling.services.flexible.batch import flexible_requests_run
from tanzim.scheduling.services.flexible.requests import (
    flexible_request_assign,
    flexible_request_create,
    flexible_request_wait_nearer,
    flexible_request_withdraw,
)

__all__ = [
    "flexible_request_assign",
    "flexible_request_create",
    "flexible_request_wait_nearer",
    "flexible_request_withdraw",
    "flexible_requests_run",
]
