"""Synthetic data for the attribution schema at head, generated set-based inside PostgreSQL.

Used by the PostgreSQL tests (tens of thousands of rows) and by bench/mv_bench.py (millions). The
rows are a deterministic function of their ordinal (``hashint4``), so a given size always yields the
same data, relative to the current UTC day. They are built to hit the traps of the dashboard:

- ``days`` days of history (120 by default) so the 90-day window of mv_channel_performance cuts through;
- one event in five sits within 90 seconds of UTC midnight, and an event's allocations are 50 seconds
  apart, so some events span two UTC days (summing daily distinct conversions would double count them);
- an event's allocations pick channels independently, so one event may credit the same channel twice;
- confidence scores of 0.0000-1.0000 and unequal allocation counts per day, so averaging daily averages
  is wrong;
- every ledger state (authorized rows with and without verification time), four currencies.

Must run as the tables' owner (row-level security would hide other tenants' rows otherwise).
"""

from __future__ import annotations

import uuid

CURRENCIES = ("USD", "EUR", "GBP", "JPY")


def tenant_ids(count: int) -> list[uuid.UUID]:
    return [uuid.UUID(int=0x5EED0000_0000_4000_8000_000000000000 + i) for i in range(1, count + 1)]


def channel_codes(count: int) -> list[str]:
    return [f"ch{i:02d}" for i in range(1, count + 1)]


# h(i, k): a deterministic, well-spread non-negative integer per row ordinal i and salt k.
def _h(expr: str, salt: int) -> str:
    return f"(hashint4(({expr})::int # {salt})::bigint + 2147483648)"


_MIDNIGHT = "(date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"


def _second_of_day(expr: str, salt: int) -> str:
    # One in five: within 90 s before or after UTC midnight; otherwise anywhere in the day.
    return f"""CASE WHEN {_h(expr, salt)} % 5 = 0
                    THEN CASE WHEN {_h(expr, salt + 1)} % 2 = 0 THEN 86310 + {_h(expr, salt + 2)} % 90
                              ELSE {_h(expr, salt + 2)} % 90 END
                    ELSE {_h(expr, salt + 3)} % 86400 END"""


def allocations_sql(rows: int, tenants: int, channels: int, days: int, per_event: int = 3, first: int = 1) -> str:
    """Allocation rows with ordinals first .. first+rows-1 (chunks of one data set may load in parallel)."""
    ev = f"((i - 1) / {per_event})"  # the event an allocation belongs to
    return f"""
INSERT INTO attribution_allocations
    (tenant_id, event_id, channel_code, allocated_revenue_cents, created_at, confidence_score)
SELECT
    ('5eed0000-0000-4000-8000-' || lpad(to_hex(1 + {ev} % {tenants}), 12, '0'))::uuid,
    ('e0000000-0000-4000-8000-' || lpad(to_hex({ev}), 12, '0'))::uuid,
    'ch' || lpad((1 + {_h('i', 11)} % {channels})::text, 2, '0'),
    {_h('i', 12)} % 50000,
    {_MIDNIGHT}
        - make_interval(days => ({_h(ev, 13)} % {days})::int)
        + make_interval(secs => ({_second_of_day(ev, 20)}) + 50 * ((i - 1) % {per_event})),
    (({_h('i', 14)} % 10001) / 10000.0)::numeric(5, 4)
FROM generate_series({first}, {first + rows - 1}) AS i
"""


def ledger_sql(rows: int, tenants: int, days: int, first: int = 1) -> str:
    currencies = "ARRAY[" + ", ".join(f"'{c}'" for c in CURRENCIES) + "]"
    ts = f"""{_MIDNIGHT} - make_interval(days => ({_h('i', 31)} % {days})::int)
             + make_interval(secs => ({_second_of_day('i', 40)}))"""
    return f"""
INSERT INTO revenue_ledger
    (tenant_id, event_id, state, currency, amount_cents, verification_timestamp, created_at)
SELECT tenant_id, event_id, state, currency, amount_cents,
       CASE WHEN state = 'authorized' AND {_h('i', 35)} % 2 = 0 THEN NULL ELSE ts END,
       ts - interval '5 minutes'
FROM (
    SELECT i,
           ('5eed0000-0000-4000-8000-' || lpad(to_hex(1 + i % {tenants}), 12, '0'))::uuid AS tenant_id,
           ('e0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid AS event_id,
           (ARRAY['authorized', 'captured', 'refunded', 'chargeback'])[1 + {_h('i', 32)} % 4] AS state,
           ({currencies})[1 + {_h('i', 33)} % {len(CURRENCIES)}] AS currency,
           {_h('i', 34)} % 200000 AS amount_cents,
           {ts} AS ts
    FROM generate_series({first}, {first + rows - 1}) AS i
) AS g
"""


def seed_reference_data(conn, *, tenants: int = 4, channels: int = 30) -> list[uuid.UUID]:
    """Insert the tenants and the channel taxonomy; returns the tenant ids."""
    ids = tenant_ids(tenants)
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO tenants (id, name) VALUES (%s, %s)",
                        [(t, f"tenant {n}") for n, t in enumerate(ids, 1)])
        cur.executemany("INSERT INTO channel_taxonomy (code, display_name) VALUES (%s, %s)",
                        [(c, c.upper()) for c in channel_codes(channels)])
    return ids


def seed(conn, allocations: int, *, tenants: int = 4, channels: int = 30, days: int = 120,
         ledger: int | None = None) -> list[uuid.UUID]:
    """Insert tenants, the channel taxonomy, allocations and (by default half as many) ledger rows."""
    ids = seed_reference_data(conn, tenants=tenants, channels=channels)
    with conn.cursor() as cur:
        cur.execute(allocations_sql(allocations, tenants, channels, days))
        cur.execute(ledger_sql(allocations // 2 if ledger is None else ledger, tenants, days))
    return ids
