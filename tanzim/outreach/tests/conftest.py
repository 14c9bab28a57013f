import datetime

import pytest

# A Wednesday morning in Tehran (1405/09/11), away from month ends; before the personas are made,
# so their roles are valid from the frozen clock on.
NOON = datetime.datetime(2026, 12, 2, 8, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOON, tick=False)
    return NOON
