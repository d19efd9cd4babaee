"""A one-page HTML report on the Pixieset marts of a DuckDB warehouse, with charts.

Runs in the dbt virtualenv (``.tools/dbt``: duckdb and matplotlib, see
``transform/requirements.txt``), after ``dbt build``::

    python transform/report.py WAREHOUSE.duckdb REPORT.html --as-of 2025-09-01

It reads only the marts, prints the headline figures (revenue by month over the twelve
months before the as-of date, open receivables, top clients) and writes one HTML file
whose charts are inline SVG (matplotlib, no JavaScript). Every figure in the page is also
in a table, so a reader (or a test) can check it against the marts.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

MARTS = "analytics_marts"
TOP_CLIENTS = 5
FUNNEL_STAGES = ["inquiries", "sessions_booked", "contracts_signed", "invoices_paid"]


def month_window(as_of: date) -> tuple[date, date]:
    """The first day of the twelfth month before ``as_of``'s month, and of ``as_of``'s month."""
    end = as_of.replace(day=1)
    start = end.replace(year=end.year - 1)
    return start, end


def figures(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Any]:
    """Every number the report shows, read from the marts."""
    start, end = month_window(as_of)
    revenue = con.execute(
        f"""
        select strftime(month, '%Y-%m') as month, currency,
            sum(invoiced), sum(collected), sum(refunded), sum(processor_fees)
        from {MARTS}.mart_revenue_by_month
        where month >= ? and month < ?
        group by 1, 2 order by 1, 2
        """,
        [start, end],
    ).fetchall()
    aging = con.execute(
        f"""
        select aging_bucket, currency, count(*), sum(amount_open)
        from {MARTS}.mart_receivables_aging
        group by aging_bucket_order, aging_bucket, currency
        order by aging_bucket_order, currency
        """
    ).fetchall()
    top = con.execute(
        f"""
        select coalesce(clients.full_name, revenue.client_id), revenue.currency,
            revenue.lifetime_value, revenue.payments
        from {MARTS}.mart_client_revenue as revenue
        left join {MARTS}.mart_clients as clients using (account_id, client_id)
        order by revenue.lifetime_value desc, revenue.client_id
        limit {TOP_CLIENTS}
        """
    ).fetchall()
    funnel = con.execute(
        f"""
        select {", ".join(f"coalesce(sum({s}), 0)" for s in FUNNEL_STAGES)}
        from {MARTS}.mart_booking_funnel
        where month >= ? and month < ?
        """,
        [start, end],
    ).fetchone()
    return {
        "as_of": as_of.isoformat(),
        "window": [start.isoformat(), end.isoformat()],
        "revenue": [
            {
                "month": m,
                "currency": c,
                "invoiced": str(i),
                "collected": str(col),
                "refunded": str(r),
                "processor_fees": str(f),
            }
            for m, c, i, col, r, f in revenue
        ],
        "receivables": [
            {"bucket": b, "currency": c, "invoices": int(n), "amount_open": str(a)}
            for b, c, n, a in aging
        ],
        "top_clients": [
            {"client": n, "currency": c, "lifetime_value": str(v), "payments": int(p)}
            for n, c, v, p in top
        ],
        "funnel": dict(zip(FUNNEL_STAGES, (int(v) for v in funnel or []), strict=True)),
    }


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _currencies(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({r["currency"] for r in rows})


def _grouped_bars(rows: list[dict[str, Any]], key: str, value: str, label: str) -> str:
    """Bars of ``value`` per ``key`` (in order of first appearance), one series per currency.

    Currencies are side by side, never stacked: amounts in different currencies do not add up.
    """
    categories = list(dict.fromkeys(r[key] for r in rows))
    currencies = _currencies(rows)
    fig, ax = plt.subplots(figsize=(9, 3.2))
    width = 0.8 / max(len(currencies), 1)
    for n, currency in enumerate(currencies):
        values = {r[key]: float(r[value]) for r in rows if r["currency"] == currency}
        xs = [i + n * width for i in range(len(categories))]
        ax.bar(xs, [values.get(c, 0.0) for c in categories], width, label=currency.upper())
    ticks = [i + 0.4 - width / 2 for i in range(len(categories))]
    ax.set_xticks(ticks, categories, rotation=45 if len(categories) > 6 else 0)
    ax.set_ylabel(label)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def revenue_chart(data: dict[str, Any]) -> str:
    """Collected revenue per month, one bar series per currency."""
    rows = sorted(data["revenue"], key=lambda r: r["month"])
    return _grouped_bars(rows, "month", "collected", "collected")


def aging_chart(data: dict[str, Any]) -> str:
    """Open receivables per aging bucket, one bar series per currency."""
    return _grouped_bars(data["receivables"], "bucket", "amount_open", "amount open")


def funnel_chart(data: dict[str, Any]) -> str:
    """The booking funnel over the window, as horizontal bars."""
    stages = list(data["funnel"])
    fig, ax = plt.subplots(figsize=(9, 2.4))
    ax.barh([s.replace("_", " ") for s in stages][::-1], [data["funnel"][s] for s in stages][::-1])
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _table(table_id: str, header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render(data: dict[str, Any]) -> str:
    """The report page."""
    revenue_rows = [
        [
            r["month"],
            r["currency"],
            r["invoiced"],
            r["collected"],
            r["refunded"],
            r["processor_fees"],
        ]
        for r in data["revenue"]
    ]
    aging_rows = [
        [r["bucket"], r["currency"], r["invoices"], r["amount_open"]] for r in data["receivables"]
    ]
    client_rows = [
        [c["client"], c["currency"], c["lifetime_value"], c["payments"]]
        for c in data["top_clients"]
    ]
    funnel_rows = [[stage, count] for stage, count in data["funnel"].items()]
    start, end = data["window"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pixieset studio report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .2rem .6rem; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
</style></head><body>
<h1>Pixieset studio report</h1>
<p>As of {html.escape(data["as_of"])}; monthly figures from {start} up to (not including) {end}.
Amounts are in each currency's major unit, from the dbt marts.</p>
<h2>Revenue by month</h2>
{revenue_chart(data)}
{_table("revenue", ["month", "currency", "invoiced", "collected", "refunded", "processor fees"], revenue_rows)}
<h2>Receivables aging</h2>
{aging_chart(data)}
{_table("receivables", ["days overdue", "currency", "invoices", "amount open"], aging_rows)}
<h2>Booking funnel</h2>
{funnel_chart(data)}
{_table("funnel", ["stage", "count"], funnel_rows)}
<h2>Top clients by lifetime value</h2>
{_table("top-clients", ["client", "currency", "lifetime value", "payments"], client_rows)}
</body></html>
"""


def headline(data: dict[str, Any]) -> str:
    """The figures the demo prints."""
    currencies = _currencies(data["revenue"])
    collected = {(r["month"], r["currency"]): r["collected"] for r in data["revenue"]}
    lines = [
        f"Revenue collected by month, {data['window'][0]} up to {data['window'][1]}:",
        "  month   " + "".join(f"{c.upper():>12}" for c in currencies),
    ]
    for month in sorted({r["month"] for r in data["revenue"]}):
        cells = "".join(f"{collected.get((month, c), '-'):>12}" for c in currencies)
        lines.append(f"  {month} {cells}")
    totals: dict[str, Decimal] = {}
    for row in data["receivables"]:
        totals[row["currency"]] = totals.get(row["currency"], Decimal(0)) + Decimal(
            row["amount_open"]
        )
    open_text = ", ".join(f"{c.upper()} {v}" for c, v in sorted(totals.items())) or "none"
    lines.append(f"Open receivables: {open_text}")
    lines.append("Top clients by lifetime value:")
    for client in data["top_clients"]:
        lines.append(
            f"  {client['client']:<28} {client['currency'].upper()} {client['lifetime_value']:>10}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the report and print its headline figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path, help="the DuckDB file dbt built the marts in")
    parser.add_argument("output", type=Path, help="the HTML file to write")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today())
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    with duckdb.connect(str(args.warehouse), read_only=True) as con:
        data = figures(con, args.as_of)
    args.output.write_text(render(data), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(data, indent=2), encoding="utf-8")
    print(headline(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
