-- The leakage checks behind the at_open offer model (docs block sales__at_open_model):
-- which offer fields are known when an offer is created. A field written at or after the
-- close is missing (or different) on offers still open; a field the outcome moves shows a
-- pattern across pipeline stages that the creation facts do not.
-- Compile with `dbt compile -s offer_feature_timing` and run the SQL in DuckDB.

with offers as (

    select * from {{ ref('int_sales__offers_with_leads') }}

),

grouped as (

    select
        case
            when status = 'Closed Won' then 'won'
            when status = 'Closed Lost' then 'lost'
            else 'open: ' || status
        end as stage,
        offers.*
    from offers

)

select
    stage,
    count(*) as offers,
    -- the offer's Id is empty (kept: as frequent on open offers as on lost ones)
    avg(cast(lead_id is null as integer)) as empty_id_share,
    -- the Id is present but its lead left the leads extract (left out: an outcome marker)
    avg(cast(lead_id is not null and not has_lead as integer)) as lead_missing_share,
    avg(cast(price is not null as integer)) as price_filled_share,
    avg(cast(discount_code is not null as integer)) as discount_code_share,
    avg(cast(pain is not null as integer)) as pain_filled_share,
    avg(cast(use_case is not null as integer)) as use_case_filled_share,
    avg(cast(lead_source = 'Inbound' as integer)) as inbound_share
from grouped
group by stage
order by stage
