-- collection_photo_sharing_links: one row per sharing link of a photo.
with source as (
    {{ pixieset_source('collection_photo_sharing_links', {
        'collection_id': 'text',
        'id': 'text',
        'photo_id': 'text',
        'url': 'text',
        'permission': 'text',
        'views': 'bigint',
        'expires_at': 'timestamp',
        'created_at': 'timestamp'
    }) }}
)

select
    account_id,
    collection_id,
    id as sharing_link_id,
    photo_id,
    url,
    permission,
    views,
    expires_at,
    created_at,
    undeclared_fields
from source
