-- Grain: one row per account, currency and calendar month (UTC) with any invoice or payment.
-- invoiced: invoices issued (not drafts) by creation month; collected: payments received
-- by payment month (including ones later refunded or disputed); refunded: fully refunded
-- payments, by payment month; processor_fees: the processor's fee on collected payments.
with invoiced as (
    select
        account_id,
        currency,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month,
        count(*) as invoices_issued,
        sum(amount) as invoiced
    from {{ ref('stg_pixieset__invoices') }}
    where status <> 'draft'
    group by 1, 2, 3
),

payments as (
    select
        account_id,
        currency,
        cast({{ dbt.date_trunc('month', 'paid_at') }} as date) as month,
        count(*) as payments_collected,
        sum(amount) as collected,
        sum(case when is_refunded then amount else 0 end) as refunded,
        cast(sum(case when status = 'partially_refunded' then 1 else 0 end) as bigint) as partially_refunded_payments,
        sum(processor_fee) as processor_fees
    from {{ ref('int_payments') }}
    where is_collected
    group by 1, 2, 3
),

months as (
    select account_id, currency, month from invoiced
    union
    select account_id, currency, month from payments
)

select
    months.account_id,
    months.currency,
    months.month,
    coalesce(invoiced.invoices_issued, 0) as invoices_issued,
    cast(coalesce(invoiced.invoiced, 0) as decimal(18, 2)) as invoiced,
    coalesce(payments.payments_collected, 0) as payments_collected,
    cast(coalesce(payments.collected, 0) as decimal(18, 2)) as collected,
    cast(coalesce(payments.refunded, 0) as decimal(18, 2)) as refunded,
    coalesce(payments.partially_refunded_payments, 0) as partially_refunded_payments,
    cast(coalesce(payments.processor_fees, 0) as decimal(18, 2)) as processor_fees,
    cast(
        coalesce(payments.collected, 0) - coalesce(payments.refunded, 0) - coalesce(payments.processor_fees, 0)
        as decimal(18, 2)
    ) as net_revenue
from months
left join invoiced
    on invoiced.account_id = months.account_id
    and invoiced.currency = months.currency
    and invoiced.month = months.month
left join payments
    on payments.account_id = months.account_id
    and payments.currency = months.currency
    and payments.month = months.month
