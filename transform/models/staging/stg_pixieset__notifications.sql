-- notifications: one row per notification.
with source as (
    {{ pixieset_source('notifications', {
        'id': 'text',
        'type': 'text',
        'message': 'text',
        'read': 'boolean',
        'created_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as notification_id,
    type as notification_type,
    message,
    read as is_read,
    created_at,
    undeclared_fields
from source
