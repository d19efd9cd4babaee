-- coupons: one row per coupon.
with source as (
    {{ pixieset_source('coupons', {
        'id': 'text',
        'code': 'text',
        'description': 'text',
        'discount_type': 'text',
        'discount_value': 'double',
        'status': 'text',
        'usage_count': 'bigint',
        'usage_limit': 'bigint',
        'minimum_order_amount': 'bigint',
        'expires_at': 'timestamp',
        'created_at': 'timestamp',
        'updated_at': 'timestamp',
        'disabled_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as coupon_id,
    code,
    description,
    discount_type,
    -- a percentage, or an amount in minor units for fixed_amount coupons
    discount_value,
    status,
    usage_count,
    usage_limit,
    {{ currency_code("'" ~ (var('pixieset_default_currency') or '') ~ "'") }} as currency,
    {{ to_major('minimum_order_amount', "'" ~ (var('pixieset_default_currency') or '') ~ "'") }} as minimum_order_amount,
    expires_at,
    created_at,
    updated_at,
    disabled_at,
    undeclared_fields
from source
