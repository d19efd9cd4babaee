-- starred_photos: one row per starred photo.
with source as (
    {{ pixieset_source('starred_photos', {
        'id': 'text',
        'collection_id': 'text',
        'gallery_id': 'text',
        'filename': 'text',
        'starred_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as photo_id,
    collection_id,
    gallery_id,
    filename,
    starred_at,
    undeclared_fields
from source
