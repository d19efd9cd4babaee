-- client_invoice_totals: one row per client and invoice currency (the API's own totals).
with source as (
    {{ pixieset_source('client_invoice_totals', {
        'client_id': 'text',
        'currency': 'text',
        'total_invoices': 'bigint',
        'total_amount': 'bigint',
        'paid_amount': 'bigint',
        'unpaid_amount': 'bigint',
        'overdue_count': 'bigint',
        'overdue_amount': 'bigint'
    }) }}
)

select
    account_id,
    client_id,
    {{ currency_code('currency') }} as currency,
    total_invoices,
    {{ to_major('total_amount', 'currency') }} as total_amount,
    {{ to_major('paid_amount', 'currency') }} as paid_amount,
    {{ to_major('unpaid_amount', 'currency') }} as unpaid_amount,
    overdue_count,
    {{ to_major('overdue_amount', 'currency') }} as overdue_amount,
    undeclared_fields
from source
