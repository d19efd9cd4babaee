-- collection_settings: one row per collection.
with source as (
    {{ pixieset_source('collection_settings', {
        'collection_id': 'text',
        'payload': 'json'
    }) }}
)

select
    account_id,
    collection_id,
    {{ json_array_text(json_get('payload', 'tags')) }} as tags,
    cast({{ json_text(json_get('payload', 'watermark'), 'enabled') }} as boolean) as watermark_enabled,
    undeclared_fields
from source
