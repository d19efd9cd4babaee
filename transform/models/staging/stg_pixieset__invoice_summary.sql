-- invoice_summary: one row per currency, timeframe and snapshot day (the API's own totals).
with source as (
    {{ pixieset_source('invoice_summary', {
        'currency': 'text',
        'timeframe_filter': 'text',
        'snapshot_date': 'date',
        'total_invoices': 'bigint',
        'total_amount': 'bigint',
        'paid_amount': 'bigint',
        'unpaid_amount': 'bigint',
        'overdue_count': 'bigint'
    }) }}
)

select
    account_id,
    {{ currency_code('currency') }} as currency,
    timeframe_filter,
    snapshot_date,
    total_invoices,
    {{ to_major('total_amount', 'currency') }} as total_amount,
    {{ to_major('paid_amount', 'currency') }} as paid_amount,
    {{ to_major('unpaid_amount', 'currency') }} as unpaid_amount,
    overdue_count,
    undeclared_fields
from source
