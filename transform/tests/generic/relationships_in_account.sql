{#-
  Every non-null `column_name` names a row of `to` (its `field`) in the same account:
  the relationships test, with account_id in the join, since ids repeat across accounts.
-#}
{% test relationships_in_account(model, column_name, to, field) %}
select child.account_id, child.{{ column_name }}
from {{ model }} as child
left join {{ to }} as parent
    on parent.account_id = child.account_id
    and parent.{{ field }} = child.{{ column_name }}
where child.{{ column_name }} is not null
    and parent.{{ field }} is null
{% endtest %}
