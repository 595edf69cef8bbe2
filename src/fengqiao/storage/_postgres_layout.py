"""The PostgreSQL layout: its migrations, the statements the stores send, and its advisory-lock keys.

Private to the PostgreSQL stores (:mod:`fengqiao.storage.postgres`, :mod:`fengqiao.storage.aio.postgres`),
which explain the design. Everything here is what every process writing one schema must agree on, byte
for byte: stored databases record how far :data:`MIGRATIONS` took them, and two versions of fengqiao
appending to one schema must call the same ``fengqiao_append``, take the same locks and number positions
the same way. Change a statement only with a new migration.
"""

from __future__ import annotations

import hashlib
from typing import LiteralString

from fengqiao.storage._migrations import Migration

__all__ = ["MIGRATIONS", "PER_TRANSACTION", "lock_key"]

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "events, stream heads",
        (
            """CREATE TABLE fengqiao_events (
                position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                stream_id TEXT COLLATE "C" NOT NULL,
                version INTEGER NOT NULL CHECK (version > 0),
                type TEXT NOT NULL,
                schema_version INTEGER NOT NULL,
                data TEXT NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                UNIQUE (stream_id, version)
            )""",
            """CREATE TABLE fengqiao_streams (
                stream_id TEXT COLLATE "C" PRIMARY KEY,
                version INTEGER NOT NULL,
                hash TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        2,
        "a seal of recorded_at on every row; rows already stored are left unsealed",
        (
            "ALTER TABLE fengqiao_events ADD COLUMN seal TEXT",
            "INSERT INTO fengqiao_meta (key, value)"
            " SELECT 'sealed_after', CAST(coalesce(max(position), 0) AS TEXT) FROM fengqiao_events",
        ),
    ),
    Migration(
        3,
        "positions from transaction ids; appends in one call of fengqiao_append",
        (
            # every position stored so far must sort before the first one a transaction id gives
            """DO $$ BEGIN
                IF (SELECT coalesce(max(position), 0) FROM fengqiao_events)
                        >= (pg_current_xact_id()::text::bigint << 20) THEN
                    RAISE EXCEPTION 'fengqiao: the stored positions run past the transaction ids; cannot upgrade';
                END IF;
            END $$""",
            "ALTER TABLE fengqiao_events ALTER COLUMN position DROP IDENTITY IF EXISTS",
            """CREATE OR REPLACE FUNCTION fengqiao_append(
                a_lock BIGINT, a_layout TEXT,
                a_heads TEXT[], a_expected INTEGER[], a_versions INTEGER[], a_hashes TEXT[], a_prev TEXT[],
                e_streams TEXT[], e_versions INTEGER[], e_types TEXT[], e_schemas INTEGER[], e_data TEXT[],
                e_recorded TIMESTAMPTZ, e_prev TEXT[], e_hashes TEXT[], e_seals TEXT[]
            ) RETURNS BIGINT LANGUAGE plpgsql AS $fn$
            DECLARE
                stored TEXT;
                moved BIGINT;
                base BIGINT;
            BEGIN
                PERFORM pg_advisory_xact_lock_shared(a_lock);
                SELECT value INTO stored FROM fengqiao_meta WHERE key = 'schema_version';
                IF stored IS DISTINCT FROM a_layout THEN
                    RAISE EXCEPTION USING ERRCODE = 'FQLAY', MESSAGE = coalesce(stored, '');
                END IF;
                WITH h AS (
                    SELECT * FROM unnest(a_heads, a_expected, a_versions, a_hashes, a_prev)
                        AS t(sid, expected, version, hash, prev)
                ), moved_heads AS (
                    UPDATE fengqiao_streams s SET version = h.version, hash = h.hash FROM h
                    WHERE h.expected > 0 AND s.stream_id = h.sid AND s.version = h.expected AND s.hash = h.prev
                    RETURNING 1
                ), new_heads AS (
                    INSERT INTO fengqiao_streams (stream_id, version, hash)
                    SELECT h.sid, h.version, h.hash FROM h WHERE h.expected = 0
                    ON CONFLICT (stream_id) DO NOTHING
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM moved_heads) + (SELECT count(*) FROM new_heads) INTO moved;
                IF moved <> cardinality(a_heads) THEN
                    RAISE EXCEPTION USING ERRCODE = 'FQCON', MESSAGE = 'a stream is not at its expected version';
                END IF;
                base := pg_current_xact_id()::text::bigint << 20;
                INSERT INTO fengqiao_events
                    (position, stream_id, version, type, schema_version, data, recorded_at, prev_hash, hash, seal)
                SELECT base + e.n, e.sid, e.version, e.type, e.schema, e.data, e_recorded, e.prev, e.hash, e.seal
                FROM unnest(e_streams, e_versions, e_types, e_schemas, e_data, e_prev, e_hashes, e_seals)
                    WITH ORDINALITY AS e(sid, version, type, schema, data, prev, hash, seal, n);
                RETURN base;
            END
            $fn$""",
        ),
    ),
)
"""The PostgreSQL layout's history; ``fengqiao_meta`` holds the version reached."""

_HEADS = (  # the layout version rides along with the heads: checked in every append at no extra round trip
    "SELECT m.value, s.stream_id, s.version, s.hash FROM fengqiao_meta m"
    " LEFT JOIN fengqiao_streams s ON s.stream_id = ANY(%s) WHERE m.key = 'schema_version'"
)
_INSERT_EVENT = (
    "INSERT INTO fengqiao_events"
    " (position, stream_id, version, type, schema_version, data, recorded_at, prev_hash, hash, seal)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_BASE = "SELECT pg_current_xact_id()::text::bigint << 20"
_APPEND = (
    "SELECT fengqiao_append(%s, %s, %s::text[], %s::integer[], %s::integer[], %s::text[], %s::text[],"
    " %s::text[], %s::integer[], %s::text[], %s::integer[], %s::text[], %s, %s::text[], %s::text[], %s::text[])"
)
_PAGE = (  # below the horizon: every transaction that could still add a smaller position has ended
    "SELECT position, stream_id, version, schema_version, data, prev_hash, hash, recorded_at, seal"
    " FROM fengqiao_events WHERE position > %s"
    " AND position < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20) ORDER BY position LIMIT %s"
)
_READ_HEADS = "SELECT stream_id, version, hash FROM fengqiao_streams WHERE stream_id = ANY(%s)"
_LOAD = (  # the shared load (the head sorts first), each event's data as its UTF-8 bytes: what the chain hashes
    "SELECT 0, NULL, NULL, hash, version FROM fengqiao_streams WHERE stream_id = %s"
    " UNION ALL SELECT version, schema_version, convert_to(data, 'UTF8'), hash, NULL FROM fengqiao_events"
    " WHERE stream_id = %s ORDER BY 1"
)
PER_TRANSACTION = (1 << 20) - 1
"""The most events one append (or ``append_many``) may hold: positions give each transaction 2**20."""
_CONFLICT, _LAYOUT = "FQCON", "FQLAY"
_NOTIFY = "SELECT pg_notify(%s, '')"
_UPSERT_HEAD = (
    "INSERT INTO fengqiao_streams (stream_id, version, hash) VALUES (%s, %s, %s)"
    " ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, hash = excluded.hash"
)
_LOCK = "SELECT pg_advisory_xact_lock(%s::bigint)"


def lock_key(purpose: LiteralString, schema: str) -> int:
    """A 64-bit advisory-lock key for ``purpose`` on the tables in ``schema``."""
    digest = hashlib.blake2b(f"fengqiao:{purpose}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
