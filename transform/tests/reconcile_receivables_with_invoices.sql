-- What the aging mart says is owed equals open invoice amounts less what was collected
-- on them (refunded payments give the money back, so they do not reduce the debt).
with expected as (
    select invoices.account_id, invoices.currency,
        sum(invoices.amount - coalesce(paid.paid, 0)) as amount_open
    from {{ ref('stg_pixieset__invoices') }} as invoices
    left join (
        select account_id, invoice_id, sum(amount) as paid
        from {{ ref('stg_pixieset__payments') }}
        where status in ('completed', 'partially_refunded', 'disputed')
        group by 1, 2
    ) as paid using (account_id, invoice_id)
    where invoices.status in ('sent', 'overdue')
        and invoices.amount - coalesce(paid.paid, 0) > 0
    group by 1, 2
),

mart as (
    select account_id, currency, sum(amount_open) as amount_open
    from {{ ref('mart_receivables_aging') }}
    group by 1, 2
)

select account_id, currency, expected.amount_open as expected_open, mart.amount_open as mart_open
from expected
full outer join mart using (account_id, currency)
where mart.amount_open is distinct from expected.amount_open
