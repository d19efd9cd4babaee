-- currencies: one row per currency the account can invoice in.
with source as (
    {{ pixieset_source('currencies', {
        'code': 'text',
        'name': 'text',
        'symbol': 'text'
    }) }}
)

select
    account_id,
    {{ currency_code('code') }} as currency,
    name as currency_name,
    symbol,
    undeclared_fields
from source
