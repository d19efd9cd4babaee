-- Grain: one row per contact. Bookings are sessions not cancelled; a contact became a
-- client at its first commitment: a booked session, a signed contract or a payment.
-- lifetime_value is in the client's main currency (the one with the most collected).
with sessions as (
    select
        account_id,
        client_id,
        count(*) as sessions_booked,
        min(starts_at) as first_booking_at,
        max(starts_at) as last_booking_at
    from {{ ref('stg_pixieset__sessions') }}
    where status <> 'cancelled' and client_id is not null
    group by 1, 2
),

contracts as (
    select account_id, client_id, count(*) as contracts_signed, min(signed_at) as first_signed_at
    from {{ ref('stg_pixieset__contracts') }}
    where status = 'signed'
    group by 1, 2
),

invoices as (
    select
        account_id,
        client_id,
        count(*) as invoices,
        cast(sum(case when status = 'paid' then 1 else 0 end) as bigint) as invoices_paid
    from {{ ref('stg_pixieset__invoices') }}
    where status <> 'draft'
    group by 1, 2
),

revenue as (
    select
        account_id,
        client_id,
        currency,
        lifetime_value,
        first_payment_at,
        row_number() over (
            partition by account_id, client_id order by collected desc, currency
        ) as rank_in_client
    from {{ ref('mart_client_revenue') }}
),

first_payment as (
    select account_id, client_id, min(first_payment_at) as first_payment_at
    from revenue
    group by 1, 2
),

committed as (
    select
        clients.account_id,
        clients.client_id,
        nullif(
            least(
                coalesce(sessions.first_booking_at, cast('9999-12-31' as timestamp)),
                coalesce(contracts.first_signed_at, cast('9999-12-31' as timestamp)),
                coalesce(first_payment.first_payment_at, cast('9999-12-31' as timestamp))
            ),
            cast('9999-12-31' as timestamp)
        ) as became_client_at
    from {{ ref('stg_pixieset__clients') }} as clients
    left join sessions using (account_id, client_id)
    left join contracts using (account_id, client_id)
    left join first_payment using (account_id, client_id)
)

select
    clients.account_id,
    clients.client_id,
    clients.full_name,
    clients.email,
    clients.client_type,
    clients.status,
    clients.lead_source,
    clients.tags,
    clients.created_at,
    coalesce(sessions.sessions_booked, 0) as sessions_booked,
    sessions.first_booking_at,
    sessions.last_booking_at,
    coalesce(contracts.contracts_signed, 0) as contracts_signed,
    coalesce(invoices.invoices, 0) as invoices,
    coalesce(invoices.invoices_paid, 0) as invoices_paid,
    revenue.currency as lifetime_value_currency,
    coalesce(revenue.lifetime_value, 0) as lifetime_value,
    committed.became_client_at,
    committed.became_client_at is not null as is_converted,
    case
        when committed.became_client_at >= clients.created_at
            then {{ days_between('clients.created_at', 'committed.became_client_at') }}
    end as days_lead_to_client
from {{ ref('stg_pixieset__clients') }} as clients
left join sessions using (account_id, client_id)
left join contracts using (account_id, client_id)
left join invoices using (account_id, client_id)
left join revenue
    on revenue.account_id = clients.account_id
    and revenue.client_id = clients.client_id
    and revenue.rank_in_client = 1
left join committed
    on committed.account_id = clients.account_id
    and committed.client_id = clients.client_id
