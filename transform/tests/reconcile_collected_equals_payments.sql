-- Collected revenue in the monthly mart equals the sum of the payments loaded that
-- received money, per account and currency; invoiced equals the issued invoices.
with mart as (
    select account_id, currency, sum(collected) as collected, sum(invoiced) as invoiced,
        sum(payments_collected) as payments
    from {{ ref('mart_revenue_by_month') }}
    group by 1, 2
),

payments as (
    select account_id, currency, sum(amount) as collected, count(*) as payments
    from {{ ref('stg_pixieset__payments') }}
    where status in ('completed', 'refunded', 'partially_refunded', 'disputed')
    group by 1, 2
),

invoices as (
    select account_id, currency, sum(amount) as invoiced
    from {{ ref('stg_pixieset__invoices') }}
    where status <> 'draft'
    group by 1, 2
),

expected as (
    select
        coalesce(payments.account_id, invoices.account_id) as account_id,
        coalesce(payments.currency, invoices.currency) as currency,
        coalesce(payments.collected, 0) as collected,
        coalesce(payments.payments, 0) as payments,
        coalesce(invoices.invoiced, 0) as invoiced
    from payments
    full outer join invoices
        on invoices.account_id = payments.account_id and invoices.currency = payments.currency
)

select expected.*, mart.collected as mart_collected, mart.invoiced as mart_invoiced
from expected
full outer join mart
    on mart.account_id = expected.account_id and mart.currency = expected.currency
where mart.collected is distinct from expected.collected
    or mart.invoiced is distinct from expected.invoiced
    or mart.payments is distinct from expected.payments
