"""Indexes for the operators' metrics: audit events by action, outcome and reason; certificates by
profile and proof, and by revocation reason (docs/metrics.md: the scrape reads these indexes alone)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 00:00:00
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_events_action_outcome_reason_seq", "audit_events", ["action", "outcome", "reason", "seq"]
    )
    op.create_index(
        "ix_ca_certificates_profile_identification", "ca_certificates", ["profile", "identification"]
    )
    op.create_index("ix_ca_certificates_status_reason", "ca_certificates", ["status", "revocation_reason"])


def downgrade() -> None:
    op.drop_index("ix_ca_certificates_status_reason", table_name="ca_certificates")
    op.drop_index("ix_ca_certificates_profile_identification", table_name="ca_certificates")
    op.drop_index("ix_audit_events_action_outcome_reason_seq", table_name="audit_events")
