"""ca_key_bindings: the one IIN and profile each certified public key belongs to (primary key: its hash)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 20:45:00

Filled from ca_certificates: each key is bound to the IIN and profile of its first (lowest id) certificate,
so a key that was certified twice before this table existed keeps its first holder.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_certificates = sa.table(
    "ca_certificates",
    sa.column("id", sa.Integer),
    sa.column("iin", sa.String(12)),
    sa.column("profile", sa.String(8)),
    sa.column("spki_sha256", sa.String(64)),
)


def upgrade() -> None:
    bindings = op.create_table(
        "ca_key_bindings",
        sa.Column("spki_sha256", sa.String(length=64), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("profile", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("spki_sha256"),
    )
    first = sa.select(sa.func.min(_certificates.c.id)).group_by(_certificates.c.spki_sha256)
    op.execute(
        bindings.insert().from_select(
            ["spki_sha256", "iin", "profile"],
            sa.select(_certificates.c.spki_sha256, _certificates.c.iin, _certificates.c.profile).where(
                _certificates.c.id.in_(first)
            ),
        )
    )


def downgrade() -> None:
    op.drop_table("ca_key_bindings")
