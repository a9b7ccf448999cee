{#- A surrogate customer id must never be a real customer's id (raise
    ecommerce_surrogate_customer_id_start above the largest real id if this fails). -#}

with surrogate_customers as (
    select * from {{ ref('int_ecommerce__surrogate_customers') }}
),

transactions as (
    select * from {{ ref('stg_online_retail__transactions') }}
)

select distinct surrogate_customers.surrogate_customer_id
from surrogate_customers
inner join transactions
    on surrogate_customers.surrogate_customer_id = transactions.customer_id
