{#
    Model input of the campaign-response model and the segmentation: one row per staged
    customer. Age and tenure are measured at var('campaign_reference_date'). Income is imputed
    with the median income of the labelled customers (is_income_missing keeps the fact). Both
    come from campaign_feature_parameters, which the raw-record scorer reads too.
#}

with customers as (

    select * from {{ ref('stg_marketing_campaign__customers') }}

),

parameters as (

    select * from {{ ref('campaign_feature_parameters') }}

),

base_features as (

    select
        -- ids
        customers.customer_id,

        -- target (null for the batch to score; never a feature)
        case when customers.is_labeled then cast(customers.responded as integer) end as responded,
        customers.is_labeled,

        -- who the customer is
        customers.education,
        customers.marital_status,
        cast(date_part('year', parameters.reference_date) - customers.birth_year as bigint) as age,
        cast(customers.is_birth_year_implausible as integer) as is_birth_year_implausible,
        cast(
            {{ dbt.datediff('customers.enrolled_date', 'parameters.reference_date', 'day') }}
            as bigint
        ) as tenure_days,
        cast((customers.income) as double) as income,
        cast((coalesce(customers.income, parameters.imputation_income)) as double)
            as income_imputed,
        cast(customers.is_income_missing as integer) as is_income_missing,
        customers.kids_at_home,
        customers.teens_at_home,
        customers.kids_at_home + customers.teens_at_home as children_at_home,

        -- how the customer buys
        customers.recency_days,
        customers.spend_wines,
        customers.spend_fruits,
        customers.spend_meat,
        customers.spend_fish,
        customers.spend_sweets,
        customers.spend_gold,
        customers.spend_wines + customers.spend_fruits + customers.spend_meat
        + customers.spend_fish + customers.spend_sweets + customers.spend_gold as spend_total,
        customers.purchases_deals,
        customers.purchases_web,
        customers.purchases_catalog,
        customers.purchases_store,
        customers.purchases_web + customers.purchases_catalog + customers.purchases_store
            as purchases_total,
        customers.web_visits_last_month,

        -- past campaigns and complaints
        customers.accepted_campaign_1,
        customers.accepted_campaign_2,
        customers.accepted_campaign_3,
        customers.accepted_campaign_4,
        customers.accepted_campaign_5,
        customers.accepted_campaign_1 + customers.accepted_campaign_2
        + customers.accepted_campaign_3 + customers.accepted_campaign_4
        + customers.accepted_campaign_5 as campaigns_accepted,
        cast(customers.has_complained as integer) as has_complained,

        -- campaign economics (never features)
        cast((customers.cost_per_contact) as double) as cost_per_contact,
        cast((customers.revenue_per_responder) as double) as revenue_per_responder,

        -- dates
        customers.enrolled_date
    from customers
    cross join parameters

),

-- engineered features of the response model: how the customer's spend and purchases are
-- composed, and the household the income feeds (denominators floored at 1)
final as (

    select
        *,
        spend_total / greatest(purchases_total, 1) as spend_per_purchase,
        spend_wines / greatest(spend_total, 1) as wine_share,
        spend_meat / greatest(spend_total, 1) as meat_share,
        spend_gold / greatest(spend_total, 1) as gold_share,
        purchases_deals / greatest(purchases_total + purchases_deals, 1) as deals_share,
        purchases_catalog / greatest(purchases_total, 1) as catalog_share,
        purchases_web / greatest(web_visits_last_month, 1) as web_purchases_per_visit,
        cast(marital_status in ('Married', 'Together') as integer) as lives_with_partner,
        1 + children_at_home + cast(marital_status in ('Married', 'Together') as integer)
            as household_size,
        income_imputed
        / (1 + children_at_home + cast(marital_status in ('Married', 'Together') as integer))
            as income_per_household_member,
        spend_total / greatest(income_imputed, 1) as spend_to_income
    from base_features

)

select * from final
