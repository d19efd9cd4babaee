-- The API's per-client totals (client_invoice_totals) agree with the client's invoices.
with invoices as (
    select
        account_id,
        client_id,
        currency,
        count(*) as total_invoices,
        sum(amount) as total_amount,
        sum(case when status = 'paid' then amount else 0 end) as paid_amount
    from {{ ref('stg_pixieset__invoices') }}
    group by 1, 2, 3
)

select totals.*, invoices.total_amount as loaded_total
from {{ ref('stg_pixieset__client_invoice_totals') }} as totals
left join invoices using (account_id, client_id, currency)
where invoices.total_invoices is distinct from totals.total_invoices
    or invoices.total_amount is distinct from totals.total_amount
    or invoices.paid_amount is distinct from totals.paid_amount
