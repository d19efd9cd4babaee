-- disputed_payments_count: one row per snapshot day.
with source as (
    {{ pixieset_source('disputed_payments_count', {
        'snapshot_date': 'date',
        'count': 'bigint',
        'total_amount': 'bigint'
    }) }}
)

select
    account_id,
    snapshot_date,
    count as disputed_payments,
    {{ currency_code("'" ~ (var('pixieset_default_currency') or '') ~ "'") }} as currency,
    {{ to_major('total_amount', "'" ~ (var('pixieset_default_currency') or '') ~ "'") }} as total_amount,
    undeclared_fields
from source
