-- The invoices loaded agree with the API's own all-time summary (latest snapshot per
-- account): the same count, total and paid amount. Only summaries over all currencies
-- are compared (the default, without summary_currencies).
with summary as (
    select account_id, total_invoices, total_amount, paid_amount
    from (
        select *, row_number() over (partition by account_id order by snapshot_date desc) as newest
        from {{ ref('stg_pixieset__invoice_summary') }}
        where timeframe_filter = 'all_time' and currency = 'all'
    ) as ranked
    where newest = 1
),

invoices as (
    select
        account_id,
        count(*) as total_invoices,
        sum(amount) as total_amount,
        sum(case when status = 'paid' then amount else 0 end) as paid_amount
    from {{ ref('stg_pixieset__invoices') }}
    group by 1
)

select summary.*, invoices.total_invoices as loaded_invoices, invoices.total_amount as loaded_total
from summary
left join invoices using (account_id)
where invoices.total_invoices is distinct from summary.total_invoices
    or invoices.total_amount is distinct from summary.total_amount
    or invoices.paid_amount is distinct from summary.paid_amount
