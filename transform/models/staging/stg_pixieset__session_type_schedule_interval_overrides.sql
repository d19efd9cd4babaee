-- session_type_schedule_interval_overrides: one row per schedule and override.
with source as (
    {{ pixieset_source('session_type_schedule_interval_overrides', {
        'schedule_id': 'text',
        'id': 'text',
        'payload': 'json'
    }) }}
)

select
    account_id,
    schedule_id,
    id as override_id,
    cast({{ json_text('payload', 'date') }} as date) as override_date,
    cast({{ json_text('payload', 'available') }} as boolean) as is_available,
    {{ json_text('payload', 'reason') }} as reason,
    undeclared_fields
from source
