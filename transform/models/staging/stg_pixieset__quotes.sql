-- quotes: one row per quote.
with source as (
    {{ pixieset_source('quotes', {
        'id': 'text',
        'client_id': 'text',
        'status': 'text',
        'amount': 'bigint',
        'currency': 'text',
        'created_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as quote_id,
    client_id,
    status,
    {{ currency_code('currency') }} as currency,
    {{ to_major('amount', 'currency') }} as amount,
    created_at,
    undeclared_fields
from source
