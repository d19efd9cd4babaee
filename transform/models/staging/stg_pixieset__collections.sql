-- collections: one row per Gallery collection.
with source as (
    {{ pixieset_source('collections', {
        'id': 'text',
        'name': 'text',
        'description': 'text',
        'status': 'text',
        'gallery_count': 'bigint',
        'photo_count': 'bigint',
        'video_count': 'bigint',
        'client_count': 'bigint',
        'password_protected': 'boolean',
        'downloadable': 'boolean',
        'expiry_date': 'date',
        'created_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as collection_id,
    name as collection_name,
    description,
    status,
    gallery_count,
    photo_count,
    video_count,
    client_count,
    password_protected as is_password_protected,
    downloadable as is_downloadable,
    expiry_date,
    created_at,
    undeclared_fields
from source
