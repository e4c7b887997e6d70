"""The original backend's schema (`original-schema.md`), both versions, as SQL.

Used by the importer tests and by `bench/import_original_data.py`. Columns marked
*later* in the spec exist only in the 2026-02-13 version.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

EARLIER = "2025-12-15"
LATER = "2026-02-13"

_TYPES = """
CREATE TYPE staff_role AS ENUM ('MANAGER', 'WAITER');
CREATE TYPE cashback_source AS ENUM ('QR', 'ORDER', 'MANUAL');
CREATE TYPE auth_actor_type AS ENUM ('CLIENT', 'STAFF');
CREATE TYPE auth_action AS ENUM
    ('LOGIN', 'LOGOUT', 'OTP_REQUEST', 'OTP_VERIFICATION', 'FAILED_LOGIN');
CREATE TYPE user_level AS ENUM ('SILVER', 'GOLD', 'PREMIUM', 'VIP');
"""
_TS = "created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()"


def schema_sql(version: str) -> str:
    later = version == LATER

    def opt(column: str) -> str:
        return f"{column}," if later else ""

    return (
        _TYPES
        + f"""
CREATE TABLE staff (
    id serial PRIMARY KEY, name varchar(150) NOT NULL, phone varchar(20) NOT NULL UNIQUE,
    password_hash varchar(255) NOT NULL, role staff_role NOT NULL, branch_id integer,
    referral_code varchar(12) UNIQUE, {_TS});
CREATE TABLE users (
    id serial PRIMARY KEY, name varchar(100),
    {opt("surname varchar(100)")} {opt("middle_name varchar(100)")}
    phone varchar(20) NOT NULL UNIQUE, waiter_id integer REFERENCES staff (id),
    date_of_birth date, profile_photo_url varchar(512),
    level user_level NOT NULL DEFAULT 'SILVER',
    iiko_wallet_id varchar(64) UNIQUE, iiko_customer_id varchar(64) UNIQUE,
    {opt("pending_iiko_profile_update json")}
    email varchar(320) UNIQUE, gender varchar(16),
    is_deleted boolean NOT NULL DEFAULT false, deleted_at timestamptz,
    {opt("giftget boolean NOT NULL DEFAULT false")} {_TS});
CREATE TABLE cashback_balances (
    user_id integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    balance numeric(12, 2) NOT NULL DEFAULT 0, points numeric(12, 2) NOT NULL DEFAULT 0,
    {_TS});
CREATE TABLE cashback_transactions (
    id serial PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    staff_id integer REFERENCES staff (id), amount numeric(12, 2) NOT NULL,
    branch_id integer, source cashback_source NOT NULL,
    balance_after numeric(12, 2) NOT NULL, iiko_event_id varchar(128) UNIQUE,
    {opt("iiko_uoc_id varchar(128)")}
    created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ix_cashback_transactions_user_id ON cashback_transactions (user_id);
CREATE TABLE cards (
    id serial PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    card_number varchar(32) NOT NULL UNIQUE, card_track varchar(64) UNIQUE,
    iiko_card_id varchar(64), {_TS});
CREATE TABLE otp_codes (
    id serial PRIMARY KEY, phone varchar(20) NOT NULL, code varchar(10) NOT NULL,
    purpose varchar(16) NOT NULL, expires_at timestamptz NOT NULL,
    is_used boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now(),
    ip varchar(64), user_agent varchar(512));
CREATE TABLE auth_logs (
    id serial PRIMARY KEY, actor_type auth_actor_type NOT NULL, actor_id integer,
    phone varchar(20), action auth_action NOT NULL, ip varchar(64), user_agent varchar(512),
    meta json, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE notifications (
    id serial PRIMARY KEY, title varchar(255) NOT NULL, description text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE user_notifications (
    id serial PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title varchar(255) NOT NULL, description text NOT NULL, type varchar(64), payload json,
    language varchar(8) NOT NULL DEFAULT 'ru', is_read boolean NOT NULL DEFAULT false,
    is_sent boolean NOT NULL DEFAULT false, sent_at timestamptz,
    {opt("notification_id integer REFERENCES notifications (id) ON DELETE CASCADE")}
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE notification_device_tokens (
    id serial PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_token varchar(255) UNIQUE, device_type varchar(16) NOT NULL,
    language varchar(8) NOT NULL DEFAULT 'ru', {_TS});
CREATE TABLE deleted_phones (
    id serial PRIMARY KEY, real_phone varchar(20) NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now(), user_id integer REFERENCES users (id));
CREATE TABLE news (
    id serial PRIMARY KEY, title varchar(255) NOT NULL, description text NOT NULL,
    image_url varchar(500), created_at timestamptz NOT NULL DEFAULT now(),
    starts_at timestamptz, ends_at timestamptz, priority integer NOT NULL DEFAULT 0);
CREATE TABLE categories (
    id serial PRIMARY KEY, name varchar(150) NOT NULL UNIQUE, image_url varchar(500));
CREATE TABLE products (
    id serial PRIMARY KEY, category_id integer NOT NULL REFERENCES categories (id),
    name varchar(255) NOT NULL, price numeric(10, 2) NOT NULL, image_url varchar(500));
"""
        + (
            """
CREATE TABLE iiko_sync_jobs (
    id serial PRIMARY KEY, user_id integer, phone varchar(20),
    operation varchar(32) NOT NULL, status varchar(16) NOT NULL, payload json,
    attempt_count integer NOT NULL DEFAULT 0, max_attempts integer NOT NULL DEFAULT 8,
    next_retry_at timestamptz, last_attempt_at timestamptz, completed_at timestamptz,
    lock_owner varchar(64), locked_at timestamptz, last_error text,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
"""
            if later
            else ""
        )
    )


def database_url(base_url: str, name: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path="/" + name))


def original_database_create(base_url: str, name: str, version: str) -> str:
    """(Re)create database `name` with the original schema; return its URL."""
    assert name.startswith("orig_import_"), "only orig_import_* databases are ours"
    with psycopg.connect(database_url(base_url, "postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = database_url(base_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(schema_sql(version))
    return url


def original_database_drop(base_url: str, name: str) -> None:
    assert name.startswith("orig_import_"), "only orig_import_* databases are ours"
    with psycopg.connect(database_url(base_url, "postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


@contextlib.contextmanager
def original_database(base_url: str, name: str, version: str) -> Iterator[str]:
    """Create database `name` with the original schema; drop it afterwards."""
    try:
        yield original_database_create(base_url, name, version)
    finally:
        original_database_drop(base_url, name)
