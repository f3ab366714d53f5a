"""ca_certificates.spki_sha256: the certified public key's hash (indexed), one key per person and profile

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:45:00

Existing rows are filled from their stored PEM (SHA-256 of the certificate's DER SubjectPublicKeyInfo).
"""

import hashlib

import sqlalchemy as sa
from alembic import op
from cryptography import x509
from cryptography.hazmat.primitives import serialization

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_certificates = sa.table(
    "ca_certificates",
    sa.column("id", sa.Integer),
    sa.column("pem", sa.Text),
    sa.column("spki_sha256", sa.String(64)),
)


def _spki_sha256(pem: str) -> str:
    public_key = x509.load_pem_x509_certificate(pem.encode("ascii")).public_key()
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def upgrade() -> None:
    op.add_column("ca_certificates", sa.Column("spki_sha256", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_certificates.c.id, _certificates.c.pem)).all()
    for row_id, pem in rows:
        connection.execute(
            _certificates.update().where(_certificates.c.id == row_id).values(spki_sha256=_spki_sha256(pem))
        )
    with op.batch_alter_table("ca_certificates") as batch:
        batch.alter_column("spki_sha256", existing_type=sa.String(length=64), nullable=False)
        batch.create_index("ix_ca_certificates_spki_sha256", ["spki_sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ca_certificates") as batch:
        batch.drop_index("ix_ca_certificates_spki_sha256")
        batch.drop_column("spki_sha256")
