-- conversation_messages: one row per message.
with source as (
    {{ pixieset_source('conversation_messages', {
        'id': 'text',
        'conversation_id': 'text',
        'client_id': 'text',
        'sender_type': 'text',
        'sender_id': 'text',
        'content': 'text',
        'sent_at': 'timestamp',
        'read_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as message_id,
    conversation_id,
    client_id,
    sender_type,
    sender_id,
    content,
    sent_at,
    read_at,
    undeclared_fields
from source
