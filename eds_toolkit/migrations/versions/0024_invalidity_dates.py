"""invalidity dates and sessions' AUTH certificates: ca_certificates.invalidity_date (RFC 5280 5.3.2,
since when a key may be compromised), self_revocations.compromised_since (the citizen's date, until
the code confirms it), cabinet_sessions.certificate_serial (the AUTH certificate a session was opened
with: the session ends once it is revoked or expired)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ca_certificates") as batch:
        batch.add_column(sa.Column("invalidity_date", sa.DateTime(), nullable=True))
    with op.batch_alter_table("self_revocations") as batch:
        batch.add_column(sa.Column("compromised_since", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("cabinet_sessions") as batch:
        batch.add_column(sa.Column("certificate_serial", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cabinet_sessions") as batch:
        batch.drop_column("certificate_serial")
    with op.batch_alter_table("self_revocations") as batch:
        batch.drop_column("compromised_since")
    with op.batch_alter_table("ca_certificates") as batch:
        batch.drop_column("invalidity_date")
