-- client_documents: one row per document of a client.
with source as (
    {{ pixieset_source('client_documents', {
        'client_id': 'text',
        'id': 'text',
        'type': 'text',
        'title': 'text',
        'status': 'text',
        'created_at': 'timestamp'
    }) }}
)

select
    account_id,
    client_id,
    id as document_id,
    type as document_type,
    title,
    status,
    created_at,
    undeclared_fields
from source
