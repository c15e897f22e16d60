"""Create kb's tables as kb.models defined them when migrations began.

Datetimes are stored with their time zone (timestamptz on PostgreSQL) and are UTC.

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-04 22:29:08.986927
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('apitoken',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('token_hash', sa.String(), nullable=False),
    sa.Column('scopes', sa.String(), nullable=False),
    sa.Column('grants', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_apitoken_name'), 'apitoken', ['name'], unique=True)
    op.create_index(op.f('ix_apitoken_token_hash'), 'apitoken', ['token_hash'], unique=True)
    op.create_table('auditevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id')
    )
    op.create_index(op.f('ix_auditevent_action'), 'auditevent', ['action'], unique=False)
    op.create_index(op.f('ix_auditevent_at'), 'auditevent', ['at'], unique=False)
    op.create_index(op.f('ix_auditevent_document_id'), 'auditevent', ['document_id'], unique=False)
    op.create_index(op.f('ix_auditevent_user'), 'auditevent', ['user'], unique=False)
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('aliases', sa.String(), nullable=False),
    sa.Column('external_id', sa.String(), nullable=True),
    sa.Column('industry', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_customer_external_id'), 'customer', ['external_id'], unique=True)
    op.create_index(op.f('ix_customer_name'), 'customer', ['name'], unique=False)
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('library', sa.String(), nullable=False),
    sa.Column('path', sa.String(), nullable=False),
    sa.Column('folder', sa.String(), nullable=False),
    sa.Column('filename', sa.String(), nullable=False),
    sa.Column('format', sa.String(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('mtime', sa.Float(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('author', sa.String(), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=True),
    sa.Column('modified', sa.DateTime(timezone=True), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('needs_ocr', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('error', sa.String(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_document_folder'), 'document', ['folder'], unique=False)
    op.create_index(op.f('ix_document_format'), 'document', ['format'], unique=False)
    op.create_index(op.f('ix_document_library'), 'document', ['library'], unique=False)
    op.create_index(op.f('ix_document_modified'), 'document', ['modified'], unique=False)
    op.create_index(op.f('ix_document_path'), 'document', ['path'], unique=True)
    op.create_index(op.f('ix_document_sha256'), 'document', ['sha256'], unique=False)
    op.create_index(op.f('ix_document_status'), 'document', ['status'], unique=False)
    op.create_table('tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_tag_name'), 'tag', ['name'], unique=True)
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('password_hash', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('grants', sa.String(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_user_name'), 'user', ['name'], unique=True)
    op.create_table('documentcustomer',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('document_id', 'customer_id')
    )
    op.create_table('documenttag',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], ),
    sa.PrimaryKeyConstraint('document_id', 'tag_id')
    )
    op.create_table('documentversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('mtime', sa.Float(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_documentversion_document_id'), 'documentversion', ['document_id'], unique=False)
    op.create_table('opportunity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('external_id', sa.String(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_opportunity_customer_id'), 'opportunity', ['customer_id'], unique=False)
    op.create_index(op.f('ix_opportunity_external_id'), 'opportunity', ['external_id'], unique=True)
    op.create_index(op.f('ix_opportunity_name'), 'opportunity', ['name'], unique=False)
    op.create_table('documentopportunity',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ),
    sa.PrimaryKeyConstraint('document_id', 'opportunity_id')
    )


def downgrade() -> None:
    op.drop_table('documentopportunity')
    op.drop_index(op.f('ix_opportunity_name'), table_name='opportunity')
    op.drop_index(op.f('ix_opportunity_external_id'), table_name='opportunity')
    op.drop_index(op.f('ix_opportunity_customer_id'), table_name='opportunity')
    op.drop_table('opportunity')
    op.drop_index(op.f('ix_documentversion_document_id'), table_name='documentversion')
    op.drop_table('documentversion')
    op.drop_table('documenttag')
    op.drop_table('documentcustomer')
    op.drop_index(op.f('ix_user_name'), table_name='user')
    op.drop_table('user')
    op.drop_index(op.f('ix_tag_name'), table_name='tag')
    op.drop_table('tag')
    op.drop_index(op.f('ix_document_status'), table_name='document')
    op.drop_index(op.f('ix_document_sha256'), table_name='document')
    op.drop_index(op.f('ix_document_path'), table_name='document')
    op.drop_index(op.f('ix_document_modified'), table_name='document')
    op.drop_index(op.f('ix_document_library'), table_name='document')
    op.drop_index(op.f('ix_document_format'), table_name='document')
    op.drop_index(op.f('ix_document_folder'), table_name='document')
    op.drop_table('document')
    op.drop_index(op.f('ix_customer_name'), table_name='customer')
    op.drop_index(op.f('ix_customer_external_id'), table_name='customer')
    op.drop_table('customer')
    op.drop_index(op.f('ix_auditevent_user'), table_name='auditevent')
    op.drop_index(op.f('ix_auditevent_document_id'), table_name='auditevent')
    op.drop_index(op.f('ix_auditevent_at'), table_name='auditevent')
    op.drop_index(op.f('ix_auditevent_action'), table_name='auditevent')
    op.drop_table('auditevent')
    op.drop_index(op.f('ix_apitoken_token_hash'), table_name='apitoken')
    op.drop_index(op.f('ix_apitoken_name'), table_name='apitoken')
    op.drop_table('apitoken')
