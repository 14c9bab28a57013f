"""The signal sent when a person says they now live abroad, or back in Iran.

Sent by ``profile_update`` inside its transaction (so an app's update of its own files commits or
fails with the profile): ``sender=User``, ``user`` and ``resident_abroad`` (the new value). Apps
that count periods by residence (the disputes' art. 446 periods) receive it.
"""

from __future__ import annotations

from django.dispatch import Signal

residence_changed = Signal()
