"""registers: property shares, state rental contracts, family relations, legal capacity; applications
name the person registered, the address id and the rules' verdict

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_property_shares",
        sa.Column("address_id", sa.String(length=40), nullable=False),
        sa.Column("owner_iin", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("share_numerator", sa.Integer(), nullable=False),
        sa.Column("share_denominator", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_id", "owner_iin"),
    )
    op.create_table(
        "register_rental_contracts",
        sa.Column("address_id", sa.String(length=40), nullable=False),
        sa.Column("contract_number", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("tenant_iin", sa.String(length=12), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_id"),
    )
    op.create_table(
        "register_rental_people",
        sa.Column("address_id", sa.String(length=40), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("address_id", "iin"),
    )
    op.create_table(
        "register_family_relations",
        sa.Column("representative_iin", sa.String(length=12), nullable=False),
        sa.Column("relation", sa.String(length=24), nullable=False),
        sa.Column("person_iin", sa.String(length=12), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("representative_iin", "relation", "person_iin"),
    )
    with op.batch_alter_table("register_family_relations", schema=None) as batch_op:
        batch_op.create_index("ix_register_family_relations_person", ["person_iin"], unique=False)
    op.create_table(
        "register_legal_capacity",
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("court_decision", sa.String(length=200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("iin"),
    )
    with op.batch_alter_table("residence_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_iin", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("address_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("rules_verdict", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residence_applications", schema=None) as batch_op:
        batch_op.drop_column("rules_verdict")
        batch_op.drop_column("address_id")
        batch_op.drop_column("person_iin")
    with op.batch_alter_table("register_family_relations", schema=None) as batch_op:
        batch_op.drop_index("ix_register_family_relations_person")
    op.drop_table("register_legal_capacity")
    op.drop_table("register_family_relations")
    op.drop_table("register_rental_people")
    op.drop_table("register_rental_contracts")
    op.drop_table("register_property_shares")
