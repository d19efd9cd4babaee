-- conversations: one row per conversation.
with source as (
    {{ pixieset_source('conversations', {
        'id': 'text',
        'client_id': 'text',
        'subject': 'text',
        'status': 'text',
        'unread_count': 'bigint',
        'last_message_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as conversation_id,
    client_id,
    subject,
    status,
    unread_count,
    last_message_at,
    undeclared_fields
from source
