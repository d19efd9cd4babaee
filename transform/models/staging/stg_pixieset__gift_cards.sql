-- gift_cards: one row per gift card.
with source as (
    {{ pixieset_source('gift_cards', {
        'id': 'text',
        'code': 'text',
        'status': 'text',
        'amount': 'bigint',
        'balance': 'bigint',
        'purchased_by': 'json',
        'expires_at': 'timestamp',
        'created_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as gift_card_id,
    code,
    status,
    {{ currency_code("'" ~ (var('pixieset_default_currency') or '') ~ "'") }} as currency,
    {{ to_major('amount', "'" ~ (var('pixieset_default_currency') or '') ~ "'") }} as amount,
    {{ to_major('balance', "'" ~ (var('pixieset_default_currency') or '') ~ "'") }} as balance,
    lower({{ json_text('purchased_by', 'email') }}) as purchaser_email,
    expires_at,
    created_at,
    undeclared_fields
from source
