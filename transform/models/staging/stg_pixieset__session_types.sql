-- session_types: one row per bookable session type.
with source as (
    {{ pixieset_source('session_types', {
        'id': 'text',
        'name': 'text',
        'status': 'text',
        'duration': 'bigint',
        'location': 'text',
        'currency': 'text',
        'payment_amount_full': 'bigint',
        'payment_amount_partial': 'bigint',
        'collect_payment': 'boolean',
        'contract_required_for_booking': 'boolean'
    }) }}
)

select
    account_id,
    id as session_type_id,
    name as session_type_name,
    status,
    duration as duration_minutes,
    location,
    {{ currency_code('currency') }} as currency,
    {{ to_major('payment_amount_full', 'currency') }} as payment_amount_full,
    {{ to_major('payment_amount_partial', 'currency') }} as payment_amount_partial,
    collect_payment,
    contract_required_for_booking,
    undeclared_fields
from source
