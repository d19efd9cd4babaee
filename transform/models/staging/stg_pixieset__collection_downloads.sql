-- collection_downloads: one row per download (photos, videos, galleries, whole collections).
with source as (
    {{ pixieset_source('collection_downloads', {
        'collection_id': 'text',
        'record_key': 'text',
        'id': 'text',
        'type': 'text',
        'client_email': 'text',
        'status': 'text',
        'bytes_transferred': 'bigint',
        'created_at': 'timestamp'
    }) }}
)

select
    account_id,
    collection_id,
    record_key,
    id as download_id,
    type as download_type,
    lower(client_email) as client_email,
    status,
    bytes_transferred,
    created_at as downloaded_at,
    undeclared_fields
from source
