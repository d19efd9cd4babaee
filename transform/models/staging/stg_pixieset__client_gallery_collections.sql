-- client_gallery_collections: one row per client and Gallery collection shared with them.
with source as (
    {{ pixieset_source('client_gallery_collections', {
        'client_id': 'text',
        'id': 'text',
        'name': 'text',
        'status': 'text',
        'photo_count': 'bigint',
        'url': 'text',
        'created_at': 'timestamp'
    }) }}
)

select
    account_id,
    client_id,
    id as collection_id,
    name as collection_name,
    status,
    photo_count,
    url,
    created_at,
    undeclared_fields
from source
