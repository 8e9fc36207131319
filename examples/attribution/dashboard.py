"""Dashboard queries of the attribution reference project, served from the materialized views.

Every query reads the tenant-filtering views (``tenant_channel_performance``,
``tenant_daily_revenue_summary``), never the materialized views or base tables directly: the
application connects as (or ``SET ROLE``s to) ``attribution_app`` and names its tenant with
:func:`use_tenant` at the start of each request or transaction.

Each view-served query has a ``*_FROM_BASE`` twin that computes the same fields from the base tables.
The twins exist to prove the views right (tests, benchmark); they run as the table owner, which row-level
security does not restrict, and filter on the tenant explicitly. Semantics (docs/dashboard.md):

- days are UTC calendar days; ranges are inclusive of both ``start`` and ``end`` dates;
- ``mv_channel_performance`` keeps 90 UTC days before its last refresh; the base twins take that
  window's first day as ``window_start`` so both sides answer the same question;
- ``conversions`` is the number of distinct conversion events of a (channel, day) row. Distinct counts
  do not add up across days, so :data:`CHANNEL_SUMMARY` (a range roll-up) has no conversions field;
- ``confidence`` of a roll-up is weighted by allocations, rebuilt exactly from the per-day averages.

psycopg placeholders (``%(name)s``); dates are ``datetime.date``, tenants ``uuid.UUID`` or str.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# --- served from the views -------------------------------------------------------------------------------

_CHANNEL_PERFORMANCE = """
SELECT channel_code                               AS channel,
       allocation_date                            AS date,
       ROUND(total_revenue_cents::numeric / 100, 2) AS total_revenue,
       total_conversions                          AS conversions,
       avg_confidence_score                       AS confidence,
       total_allocations                          AS allocations_count
FROM tenant_channel_performance
WHERE allocation_date BETWEEN %(start)s AND %(end)s{channel_filter}
ORDER BY channel_code, allocation_date
"""
# Two statements rather than "(%(channel)s IS NULL OR ...)": each has one plan that fits every call,
# so PostgreSQL can reuse a generic plan instead of planning every execution.
CHANNEL_PERFORMANCE = _CHANNEL_PERFORMANCE.format(channel_filter="")
CHANNEL_PERFORMANCE_ONE_CHANNEL = _CHANNEL_PERFORMANCE.format(channel_filter="\n  AND channel_code = %(channel)s")

# confidence_score is NUMERIC(5,4) and NOT NULL, so a day's sum of scores is exactly
# ROUND(avg * count, 4): the per-day average carries 16+ significant digits, far more than the 4
# decimals needed. Dividing the rebuilt sum by the allocation count is then the same numeric
# division AVG() performs over the base rows, digit for digit.
CHANNEL_SUMMARY = """
SELECT channel_code                                                    AS channel,
       ROUND(SUM(total_revenue_cents)::numeric / 100, 2)               AS total_revenue,
       SUM(ROUND(avg_confidence_score * total_allocations, 4))
           / SUM(total_allocations)                                    AS confidence,
       SUM(total_allocations)::bigint                                  AS allocations_count
FROM tenant_channel_performance
WHERE allocation_date BETWEEN %(start)s AND %(end)s
GROUP BY channel_code
ORDER BY channel_code
"""

DAILY_REVENUE = """
SELECT revenue_date AS date,
       currency,
       ROUND(COALESCE(SUM(total_amount_cents) FILTER (WHERE state = 'captured'), 0)::numeric / 100, 2)
           AS captured,
       ROUND(COALESCE(SUM(total_amount_cents) FILTER (WHERE state = 'refunded'), 0)::numeric / 100, 2)
           AS refunded,
       ROUND(COALESCE(SUM(total_amount_cents) FILTER (WHERE state = 'chargeback'), 0)::numeric / 100, 2)
           AS chargebacks,
       SUM(transaction_count)::bigint AS transaction_count
FROM tenant_daily_revenue_summary
WHERE revenue_date BETWEEN %(start)s AND %(end)s
GROUP BY revenue_date, currency
ORDER BY revenue_date, currency
"""

# --- the same figures from the base tables (reference only) -------------------------------------------------

_UTC_DAY = "DATE_TRUNC('day', {col} AT TIME ZONE 'UTC')::date"
_UTC_RANGE = """
  AND {col} >= (%(start)s::date)::timestamp AT TIME ZONE 'UTC'
  AND {col} <  (%(end)s::date + 1)::timestamp AT TIME ZONE 'UTC'
"""

_CHANNEL_PERFORMANCE_FROM_BASE = f"""
SELECT channel_code AS channel,
       {_UTC_DAY.format(col="created_at")} AS date,
       ROUND(SUM(allocated_revenue_cents)::numeric / 100, 2) AS total_revenue,
       COUNT(DISTINCT event_id) AS conversions,
       AVG(confidence_score) AS confidence,
       COUNT(*) AS allocations_count
FROM attribution_allocations
WHERE tenant_id = %(tenant)s
  AND created_at >= (%(window_start)s::date)::timestamp AT TIME ZONE 'UTC'
  {_UTC_RANGE.format(col="created_at")}
  {{channel_filter}}
GROUP BY 1, 2
ORDER BY 1, 2
"""
CHANNEL_PERFORMANCE_FROM_BASE = _CHANNEL_PERFORMANCE_FROM_BASE.format(channel_filter="")
CHANNEL_PERFORMANCE_ONE_CHANNEL_FROM_BASE = _CHANNEL_PERFORMANCE_FROM_BASE.format(
    channel_filter="AND channel_code = %(channel)s")

CHANNEL_SUMMARY_FROM_BASE = f"""
SELECT channel_code AS channel,
       ROUND(SUM(allocated_revenue_cents)::numeric / 100, 2) AS total_revenue,
       AVG(confidence_score) AS confidence,
       COUNT(*) AS allocations_count
FROM attribution_allocations
WHERE tenant_id = %(tenant)s
  AND created_at >= (%(window_start)s::date)::timestamp AT TIME ZONE 'UTC'
  {_UTC_RANGE.format(col="created_at")}
GROUP BY channel_code
ORDER BY channel_code
"""

DAILY_REVENUE_FROM_BASE = f"""
SELECT {_UTC_DAY.format(col="verification_timestamp")} AS date,
       currency,
       ROUND(COALESCE(SUM(amount_cents) FILTER (WHERE state = 'captured'), 0)::numeric / 100, 2) AS captured,
       ROUND(COALESCE(SUM(amount_cents) FILTER (WHERE state = 'refunded'), 0)::numeric / 100, 2) AS refunded,
       ROUND(COALESCE(SUM(amount_cents) FILTER (WHERE state = 'chargeback'), 0)::numeric / 100, 2) AS chargebacks,
       COUNT(*) AS transaction_count
FROM revenue_ledger
WHERE tenant_id = %(tenant)s
  AND state IN ('captured', 'refunded', 'chargeback')
  {_UTC_RANGE.format(col="verification_timestamp")}
GROUP BY 1, 2
ORDER BY 1, 2
"""

# The first UTC day the channel view keeps, as of now. Equal to the view's own window when read
# on the UTC day of its last refresh.
WINDOW_START = "SELECT (now() AT TIME ZONE 'UTC')::date - 90"


def use_tenant(conn, tenant_id: Any, *, local: bool = False) -> None:
    """Name the tenant; every tenant_* view and RLS policy keys on it.

    ``local=True`` scopes it to the current transaction, which is what a connection pool that hands
    the same session to several tenants needs: the setting cannot outlive the request.
    """
    conn.execute("SELECT set_config('app.tenant_id', %s, %s)", (str(tenant_id), local))


def _rows(cursor) -> list[dict]:
    names = [d.name for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def channel_performance(conn, start: dt.date, end: dt.date, channel: str | None = None) -> list[dict]:
    """One row per (channel, UTC day) in [start, end], optionally for one channel only."""
    sql = CHANNEL_PERFORMANCE if channel is None else CHANNEL_PERFORMANCE_ONE_CHANNEL
    return _rows(conn.execute(sql, {"start": start, "end": end, "channel": channel}))


def channel_summary(conn, start: dt.date, end: dt.date) -> list[dict]:
    return _rows(conn.execute(CHANNEL_SUMMARY, {"start": start, "end": end}))


def daily_revenue(conn, start: dt.date, end: dt.date) -> list[dict]:
    return _rows(conn.execute(DAILY_REVENUE, {"start": start, "end": end}))


def channel_performance_from_base(conn, tenant, start, end, window_start, channel=None) -> list[dict]:
    params = {"tenant": tenant, "start": start, "end": end, "window_start": window_start, "channel": channel}
    sql = CHANNEL_PERFORMANCE_FROM_BASE if channel is None else CHANNEL_PERFORMANCE_ONE_CHANNEL_FROM_BASE
    return _rows(conn.execute(sql, params))


def channel_summary_from_base(conn, tenant, start, end, window_start) -> list[dict]:
    params = {"tenant": tenant, "start": start, "end": end, "window_start": window_start}
    return _rows(conn.execute(CHANNEL_SUMMARY_FROM_BASE, params))


def daily_revenue_from_base(conn, tenant, start, end) -> list[dict]:
    return _rows(conn.execute(DAILY_REVENUE_FROM_BASE, {"tenant": tenant, "start": start, "end": end}))
