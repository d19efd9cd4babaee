-- collection_photo_downloads: one row per downloaded photo and client (download counts aggregated by the API).
with source as (
    {{ pixieset_source('collection_photo_downloads', {
        'collection_id': 'text',
        'record_key': 'text',
        'photo_id': 'text',
        'gallery_id': 'text',
        'client_email': 'text',
        'download_count': 'bigint',
        'last_downloaded_at': 'timestamp',
        'file_format': 'text',
        'file_size': 'bigint'
    }) }}
)

select
    account_id,
    collection_id,
    record_key,
    photo_id,
    gallery_id,
    lower(client_email) as client_email,
    download_count,
    last_downloaded_at,
    file_format,
    file_size as file_size_bytes,
    undeclared_fields
from source
