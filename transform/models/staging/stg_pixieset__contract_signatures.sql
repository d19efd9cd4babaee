-- contract_signatures: one row per contract, signer type and signer email.
with source as (
    {{ pixieset_source('contract_signatures', {
        'contract_id': 'text',
        'signer_type': 'text',
        'signer_email': 'text',
        'signer_name': 'text',
        'signed_at': 'timestamp'
    }) }}
)

select
    account_id,
    contract_id,
    signer_type,
    lower(signer_email) as signer_email,
    signer_name,
    signed_at,
    undeclared_fields
from source
