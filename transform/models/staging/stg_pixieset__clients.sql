-- clients: one row per contact (client, lead or other).
with source as (
    {{ pixieset_source('clients', {
        'id': 'text',
        'type': 'text',
        'status_name': 'text',
        'first_name': 'text',
        'last_name': 'text',
        'email': 'text',
        'phone': 'text',
        'company': 'text',
        'job_title': 'text',
        'address_info': 'json',
        'notes': 'text',
        'sample': 'boolean',
        'created_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as client_id,
    type as client_type,
    status_name as status,
    first_name,
    last_name,
    nullif(trim(concat(coalesce(first_name, ''), ' ', coalesce(last_name, ''))), '') as full_name,
    email,
    phone,
    company,
    job_title,
    {{ json_text('address_info', 'city') }} as city,
    {{ json_text('address_info', 'country') }} as country,
    notes,
    sample as is_sample,
    created_at,
    -- Fields the tap's schema does not declare, sent by the API (undeclared_fields).
    {{ json_array_text(json_get('undeclared_fields', 'tags')) }} as tags,
    coalesce({{ json_text('undeclared_fields', 'lead_source') }}, {{ json_text('undeclared_fields', 'source') }}) as lead_source,
    {{ json_get('undeclared_fields', 'custom_fields') }} as custom_fields,
    undeclared_fields
from source
