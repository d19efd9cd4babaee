-- Grain: one row per client and currency they paid in: lifetime value (collected,
-- less full refunds and processor fees).
select
    account_id,
    client_id,
    currency,
    count(*) as payments,
    cast(sum(amount) as decimal(18, 2)) as collected,
    cast(sum(case when is_refunded then amount else 0 end) as decimal(18, 2)) as refunded,
    cast(sum(processor_fee) as decimal(18, 2)) as processor_fees,
    cast(
        sum(amount) - sum(case when is_refunded then amount else 0 end) - sum(processor_fee)
        as decimal(18, 2)
    ) as lifetime_value,
    min(paid_at) as first_payment_at,
    max(paid_at) as last_payment_at
from {{ ref('int_payments') }}
where is_collected and client_id is not null
group by 1, 2, 3
