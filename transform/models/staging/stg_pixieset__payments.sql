-- payments: one row per payment.
with source as (
    {{ pixieset_source('payments', {
        'id': 'text',
        'invoice_id': 'text',
        'client_id': 'text',
        'status': 'text',
        'amount': 'bigint',
        'currency': 'text',
        'payment_method': 'text',
        'payment_date': 'timestamp',
        'transaction_fee': 'bigint'
    }) }}
)

select
    account_id,
    id as payment_id,
    invoice_id,
    client_id,
    status,
    {{ currency_code('currency') }} as currency,
    {{ to_major('amount', 'currency') }} as amount,
    payment_method,
    payment_date as paid_at,
    {{ to_major('transaction_fee', 'currency') }} as transaction_fee,
    undeclared_fields
from source
