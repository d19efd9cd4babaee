-- Grain: one row per coupon or gift card (promotion_type, promotion_id): how much it was used.
-- Coupons: uses and discount given from the usage log (by currency of the invoices it
-- was used on; a coupon used in several currencies has one row per currency).
-- Gift cards: value sold, redeemed (amount less balance) and still outstanding.
with coupon_use as (
    select
        account_id,
        coupon_id,
        currency,
        count(*) as uses,
        sum(discount_applied) as discount_given,
        min(used_at) as first_used_at,
        max(used_at) as last_used_at
    from {{ ref('stg_pixieset__coupon_activity') }}
    group by 1, 2, 3
)

select
    coupons.account_id,
    'coupon' as promotion_type,
    coupons.coupon_id as promotion_id,
    coupons.code,
    coupons.status,
    coupon_use.currency,
    coalesce(coupon_use.uses, 0) as uses,
    coupons.usage_limit,
    cast(coalesce(coupon_use.discount_given, 0) as decimal(18, 2)) as value_used,
    cast(null as decimal(18, 2)) as value_issued,
    cast(null as decimal(18, 2)) as value_outstanding,
    coupon_use.first_used_at,
    coupon_use.last_used_at,
    coupons.created_at
from {{ ref('stg_pixieset__coupons') }} as coupons
left join coupon_use
    on coupon_use.account_id = coupons.account_id
    and coupon_use.coupon_id = coupons.coupon_id

union all

select
    account_id,
    'gift_card' as promotion_type,
    gift_card_id as promotion_id,
    code,
    status,
    currency,
    case when amount > balance then 1 else 0 end as uses,
    cast(null as bigint) as usage_limit,
    cast(amount - balance as decimal(18, 2)) as value_used,
    amount as value_issued,
    balance as value_outstanding,
    cast(null as timestamp) as first_used_at,
    cast(null as timestamp) as last_used_at,
    created_at
from {{ ref('stg_pixieset__gift_cards') }}
