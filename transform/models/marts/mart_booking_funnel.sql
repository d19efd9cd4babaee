-- Grain: one row per account and calendar month (UTC): how many inquiries (new contacts),
-- sessions booked (not cancelled, by session month), contracts signed and invoices paid
-- (by the month of their last payment) the month saw.
with inquiries as (
    select account_id, cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month, count(*) as n
    from {{ ref('stg_pixieset__clients') }}
    group by 1, 2
),

sessions as (
    select account_id, cast({{ dbt.date_trunc('month', 'starts_at') }} as date) as month, count(*) as n
    from {{ ref('stg_pixieset__sessions') }}
    where status <> 'cancelled'
    group by 1, 2
),

contracts as (
    select account_id, cast({{ dbt.date_trunc('month', 'signed_at') }} as date) as month, count(*) as n
    from {{ ref('stg_pixieset__contracts') }}
    where status = 'signed' and signed_at is not null
    group by 1, 2
),

paid_invoices as (
    select invoices.account_id, invoices.invoice_id, max(payments.paid_at) as paid_at
    from {{ ref('stg_pixieset__invoices') }} as invoices
    inner join {{ ref('int_payments') }} as payments
        on payments.account_id = invoices.account_id
        and payments.invoice_id = invoices.invoice_id
        and payments.is_collected
    where invoices.status = 'paid'
    group by 1, 2
),

invoices as (
    select account_id, cast({{ dbt.date_trunc('month', 'paid_at') }} as date) as month, count(*) as n
    from paid_invoices
    group by 1, 2
),

months as (
    select account_id, month from inquiries
    union select account_id, month from sessions
    union select account_id, month from contracts
    union select account_id, month from invoices
)

select
    months.account_id,
    months.month,
    coalesce(inquiries.n, 0) as inquiries,
    coalesce(sessions.n, 0) as sessions_booked,
    coalesce(contracts.n, 0) as contracts_signed,
    coalesce(invoices.n, 0) as invoices_paid
from months
left join inquiries using (account_id, month)
left join sessions using (account_id, month)
left join contracts using (account_id, month)
left join invoices using (account_id, month)
