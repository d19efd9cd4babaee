-- Grain: one row per open invoice (sent or overdue, not fully paid), aged on
-- var('as_of_date') (default today): what is still owed and how many days past due.
with collected as (
    select
        account_id,
        invoice_id,
        sum(case when is_refunded then 0 else amount end) as paid
    from {{ ref('int_payments') }}
    where is_collected
    group by 1, 2
),

open_invoices as (
    select
        invoices.account_id,
        invoices.invoice_id,
        invoices.invoice_number,
        invoices.client_id,
        invoices.status,
        invoices.currency,
        invoices.amount,
        coalesce(collected.paid, 0) as paid,
        invoices.amount - coalesce(collected.paid, 0) as amount_open,
        invoices.created_at,
        invoices.due_date,
        {{ days_between('invoices.due_date', as_of_date()) }} as days_overdue
    from {{ ref('stg_pixieset__invoices') }} as invoices
    left join collected
        on collected.account_id = invoices.account_id
        and collected.invoice_id = invoices.invoice_id
    where invoices.status in ('sent', 'overdue')
)

select
    account_id,
    invoice_id,
    invoice_number,
    client_id,
    status,
    currency,
    amount,
    cast(paid as decimal(18, 2)) as paid,
    cast(amount_open as decimal(18, 2)) as amount_open,
    created_at,
    due_date,
    days_overdue,
    case
        when days_overdue is null or days_overdue <= 0 then 'not yet due'
        when days_overdue <= 30 then '1-30 days'
        when days_overdue <= 60 then '31-60 days'
        when days_overdue <= 90 then '61-90 days'
        else 'over 90 days'
    end as aging_bucket,
    case
        when days_overdue is null or days_overdue <= 0 then 0
        when days_overdue <= 30 then 1
        when days_overdue <= 60 then 2
        when days_overdue <= 90 then 3
        else 4
    end as aging_bucket_order
from open_invoices
where amount_open > 0
