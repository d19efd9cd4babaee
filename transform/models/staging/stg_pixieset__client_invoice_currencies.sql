-- client_invoice_currencies: one row per client and invoice currency.
with source as (
    {{ pixieset_source('client_invoice_currencies', {
        'client_id': 'text',
        'currency': 'text',
        'total_invoices': 'bigint',
        'total_amount': 'bigint'
    }) }}
)

select
    account_id,
    client_id,
    {{ currency_code('currency') }} as currency,
    total_invoices,
    {{ to_major('total_amount', 'currency') }} as total_amount,
    undeclared_fields
from source
