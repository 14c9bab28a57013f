"""Public transparency pages and open data: the network's figures without personal data."""
