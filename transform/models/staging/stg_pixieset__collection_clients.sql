-- collection_clients: one row per collection and client with access to it.
with source as (
    {{ pixieset_source('collection_clients', {
        'collection_id': 'text',
        'id': 'text',
        'name': 'text',
        'email': 'text',
        'access_level': 'text',
        'last_accessed': 'timestamp',
        'favorites_count': 'bigint'
    }) }}
)

select
    account_id,
    collection_id,
    id as collection_client_id,
    name,
    lower(email) as email,
    access_level,
    last_accessed as last_accessed_at,
    favorites_count,
    undeclared_fields
from source
