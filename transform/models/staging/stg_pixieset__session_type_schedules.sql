-- session_type_schedules: one row per availability schedule.
with source as (
    {{ pixieset_source('session_type_schedules', {
        'id': 'text',
        'name': 'text',
        'schedule_type': 'text',
        'display_timezone': 'text'
    }) }}
)

select
    account_id,
    id as schedule_id,
    name as schedule_name,
    schedule_type,
    display_timezone,
    undeclared_fields
from source
