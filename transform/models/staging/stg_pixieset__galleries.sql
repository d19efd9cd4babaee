-- galleries: one row per gallery (a set of photos inside a collection).
with source as (
    {{ pixieset_source('galleries', {
        'id': 'text',
        'collection_id': 'text',
        'name': 'text',
        'photo_count': 'bigint',
        'video_count': 'bigint',
        'private': 'boolean',
        'download': 'boolean'
    }) }}
)

select
    account_id,
    id as gallery_id,
    collection_id,
    name as gallery_name,
    photo_count,
    video_count,
    private as is_private,
    download as is_downloadable,
    undeclared_fields
from source
