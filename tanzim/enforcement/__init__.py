"""The civil-judgment enforcement pilot: files, assets, auctions, distribution."""
