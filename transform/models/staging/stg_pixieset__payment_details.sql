-- payment_details: one row per payment (detail view, with the processor's fee).
with source as (
    {{ pixieset_source('payment_details', {
        'id': 'text',
        'invoice_id': 'text',
        'status': 'text',
        'amount': 'bigint',
        'currency': 'text',
        'payment_method': 'text',
        'payment_method_details': 'json',
        'payment_date': 'timestamp',
        'processor_fee': 'bigint',
        'transaction_fee': 'bigint',
        'net_amount': 'bigint'
    }) }}
)

select
    account_id,
    id as payment_id,
    invoice_id,
    status,
    {{ currency_code('currency') }} as currency,
    {{ to_major('amount', 'currency') }} as amount,
    payment_method,
    {{ json_text('payment_method_details', 'brand') }} as card_brand,
    payment_date as paid_at,
    {{ to_major('coalesce(processor_fee, transaction_fee)', 'currency') }} as processor_fee,
    {{ to_major('coalesce(net_amount, amount - coalesce(processor_fee, transaction_fee, 0))', 'currency') }} as net_amount,
    undeclared_fields
from source
