"""Accounts and transaction kinds for the new apps (outreach, enforcement, membership).

On SQLite, changing a table's constraint rebuilds the table, which drops its triggers: the
ledger's append-only triggers (0002) are created again at the end.
"""

import importlib

from django.conf import settings
from django.db import migrations, models


GUARDS = importlib.import_module("tanzim.finance.migrations.0002_ledger_guards")


def sqlite_guards_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in GUARDS.SQLITE_DOWN + GUARDS.SQLITE_UP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0006_files_encrypted_at_rest"),
        ("offices", "0002_reference_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="transaction",
            name="transaction_kind_valid",
        ),
        migrations.AlterField(
            model_name="account",
            name="purpose",
            field=models.CharField(
                choices=[
                    ("fee_revenue", "Office fee revenue"),
                    ("subsidy_revenue", "Fee revenue from free (subsidised) services"),
                    ("kanoon_receivable", "Receivable from the Kanoon (subsidies)"),
                    ("kanoon_payable", "Payable to the Kanoon (net share)"),
                    ("share_expense", "Kanoon share"),
                    ("share_revenue", "Share revenue from offices"),
                    ("subsidy_expense", "Subsidies for free services"),
                    ("shares_receivable", "Net shares receivable from offices"),
                    ("subsidies_payable", "Subsidies payable to offices"),
                    ("court_fees", "Court fees collected for the judiciary"),
                    ("clearing", "Payment clearing"),
                    ("mission_revenue", "Mission costs reimbursed by the Kanoon"),
                    ("mission_expense", "Outreach mission costs"),
                    ("enforcement_held", "Enforcement collections held for creditors"),
                    ("auction_deposits", "Auction deposits held"),
                    ("enforcement_fees", "Enforcement fees collected for the judiciary"),
                    ("dues_expense", "Membership dues"),
                    ("dues_revenue", "Membership dues from offices"),
                    ("loans_receivable", "Welfare loans receivable"),
                    ("loan_interest", "Welfare loan interest"),
                    ("premium_expense", "Insurance premiums"),
                    ("premiums_payable", "Insurance premiums payable to the insurer"),
                ],
                max_length=20,
                verbose_name="purpose",
            ),
        ),
        migrations.AlterField(
            model_name="transaction",
            name="kind",
            field=models.CharField(
                choices=[
                    ("payment", "Payment"),
                    ("subsidy", "Subsidy for a free service"),
                    ("refund", "Refund"),
                    ("settlement", "Monthly Kanoon settlement"),
                    ("reversal", "Reversal"),
                    ("adjustment", "Adjustment"),
                    ("reimbursement", "Outreach reimbursement"),
                    ("enforcement", "Enforcement collection or payout"),
                    ("auction", "Auction deposit or balance"),
                    ("loan", "Welfare loan or instalment"),
                    ("dues", "Membership dues"),
                    ("insurance", "Insurance premium"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "payment",
                            "subsidy",
                            "refund",
                            "settlement",
                            "reversal",
                            "adjustment",
                            "reimbursement",
                            "enforcement",
                            "auction",
                            "loan",
                            "dues",
                            "insurance",
                        ],
                    )
                ),
                name="transaction_kind_valid",
            ),
        ),
        migrations.RunPython(sqlite_guards_again, migrations.RunPython.noop),
    ]
