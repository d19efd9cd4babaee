-- collection_favorites: one row per favorited photo or video and client.
with source as (
    {{ pixieset_source('collection_favorites', {
        'collection_id': 'text',
        'record_key': 'text',
        'photo_id': 'text',
        'video_id': 'text',
        'client_email': 'text',
        'client_name': 'text',
        'count': 'bigint',
        'favorited_at': 'timestamp',
        'payload': 'json'
    }) }}
)

select
    account_id,
    collection_id,
    record_key,
    photo_id,
    video_id,
    lower(client_email) as client_email,
    client_name,
    {{ json_text('payload', 'list_name') }} as list_name,
    coalesce(count, 1) as favorite_count,
    favorited_at,
    undeclared_fields
from source
