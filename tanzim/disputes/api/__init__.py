"""Disputes API: intake and the ladder, the respondent's join, sessions, settlement and signing,
arbitration and award, referral, the office board, dockets and figures.

One module per sub-workflow (routes in ``tanzim/disputes/api_urls.py``). Views parse input with
serializers and call one service or selector; the services validate what they are given. Errors
come back in the one envelope ``{"code", "message", "fields"}`` (400 bad input, 403, 404 out of
scope, 409 stale).
"""
