-- One row per payment, with the processor's fee from the payment's detail view.
-- Statuses that mean money arrived: completed, and the ones that can only follow it.
{{ config(materialized='view') }}

select
    payments.account_id,
    payments.payment_id,
    payments.invoice_id,
    coalesce(payments.client_id, invoices.client_id) as client_id,
    payments.status,
    payments.currency,
    payments.amount,
    payments.paid_at,
    payments.payment_method,
    payments.status in ('completed', 'refunded', 'partially_refunded', 'disputed') as is_collected,
    payments.status = 'refunded' as is_refunded,
    coalesce(details.processor_fee, payments.transaction_fee, 0) as processor_fee
from {{ ref('stg_pixieset__payments') }} as payments
left join {{ ref('stg_pixieset__payment_details') }} as details
    on details.account_id = payments.account_id
    and details.payment_id = payments.payment_id
left join {{ ref('stg_pixieset__invoices') }} as invoices
    on invoices.account_id = payments.account_id
    and invoices.invoice_id = payments.invoice_id
