"""Partner bodies, referrals to them and the signed partner API."""
