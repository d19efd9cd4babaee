-- collection_video_downloads: one row per video download.
with source as (
    {{ pixieset_source('collection_video_downloads', {
        'collection_id': 'text',
        'record_key': 'text',
        'id': 'text',
        'video_id': 'text',
        'client_email': 'text',
        'status': 'text',
        'downloaded_at': 'timestamp'
    }) }}
)

select
    account_id,
    collection_id,
    record_key,
    id as download_id,
    video_id,
    lower(client_email) as client_email,
    status,
    downloaded_at,
    undeclared_fields
from source
