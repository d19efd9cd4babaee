-- collection_visitor_emails: one row per collection and visitor email.
with source as (
    {{ pixieset_source('collection_visitor_emails', {
        'collection_id': 'text',
        'email': 'text',
        'visits': 'bigint',
        'visited_at': 'timestamp'
    }) }}
)

select
    account_id,
    collection_id,
    lower(email) as email,
    visits,
    visited_at as last_visited_at,
    undeclared_fields
from source
