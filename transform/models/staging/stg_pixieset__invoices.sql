-- invoices: one row per invoice.
with source as (
    {{ pixieset_source('invoices', {
        'id': 'text',
        'client_id': 'text',
        'invoice_number': 'text',
        'status': 'text',
        'amount': 'bigint',
        'currency': 'text',
        'due_date': 'date',
        'created_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as invoice_id,
    client_id,
    invoice_number,
    status,
    {{ currency_code('currency') }} as currency,
    {{ to_major('amount', 'currency') }} as amount,
    due_date,
    created_at,
    undeclared_fields
from source
