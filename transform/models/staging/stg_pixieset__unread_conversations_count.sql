-- unread_conversations_count: one row per snapshot day.
with source as (
    {{ pixieset_source('unread_conversations_count', {
        'snapshot_date': 'date',
        'conversations_with_unread': 'bigint',
        'unread_count': 'bigint'
    }) }}
)

select
    account_id,
    snapshot_date,
    conversations_with_unread,
    unread_count as unread_messages,
    undeclared_fields
from source
