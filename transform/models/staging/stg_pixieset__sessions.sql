-- sessions: one row per booked session.
with source as (
    {{ pixieset_source('sessions', {
        'id': 'text',
        'client': 'json',
        'session_type': 'json',
        'start_time': 'timestamp',
        'status': 'text',
        'payload': 'json'
    }) }}
)

select
    account_id,
    id as session_id,
    coalesce({{ json_text('client', 'id') }}, {{ json_text(json_get('payload', 'client'), 'id') }}) as client_id,
    coalesce({{ json_text('session_type', 'id') }}, {{ json_text(json_get('payload', 'session_type'), 'id') }}) as session_type_id,
    start_time as starts_at,
    status,
    undeclared_fields
from source
