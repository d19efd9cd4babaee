-- coupon_activity: one row per use of a coupon on an invoice.
-- The usage log has no currency of its own: the discount is in the invoice's currency.
with source as (
    {{ pixieset_source('coupon_activity', {
        'id': 'text',
        'coupon_id': 'text',
        'invoice_id': 'text',
        'client_id': 'text',
        'discount_applied': 'bigint',
        'used_at': 'timestamp'
    }) }}
),

invoices as (
    select account_id, invoice_id, currency from {{ ref('stg_pixieset__invoices') }}
)

select
    source.account_id,
    source.id as coupon_use_id,
    source.coupon_id,
    source.invoice_id,
    source.client_id,
    invoices.currency,
    {{ to_major('source.discount_applied', 'invoices.currency') }} as discount_applied,
    source.used_at,
    source.undeclared_fields
from source
left join invoices
    on invoices.account_id = source.account_id
    and invoices.invoice_id = source.invoice_id
