-- questionnaire_responses: one row per questionnaire and question answered.
with source as (
    {{ pixieset_source('questionnaire_responses', {
        'questionnaire_id': 'text',
        'field_name': 'text',
        'field_label': 'text',
        'response': 'text'
    }) }}
)

select
    account_id,
    questionnaire_id,
    field_name,
    field_label,
    response,
    undeclared_fields
from source
