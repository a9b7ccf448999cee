{#
    One row per business objective: the campaign it plans on the current customers. Every
    figure is a sum over that objective's contact list in `campaign_contacts`, so the page's
    figures agree with the list it shows: contacts = rows contacted, expected responders = the
    sum of their response probabilities, revenue = responders x revenue per responder, cost =
    contacts x cost per contact. The outcome the model's threshold achieved when it was
    evaluated (out-of-fold, `campaign_objectives`) is kept next to it as the measured evidence,
    both as measured (on `measured_customers`) and on the plan's base (scaled to `customers`,
    the plan's customers: per customer, the same profit and band), so that plan and band are
    compared on one base. The max_profit objective contacts every customer above the break-even
    probability (cost / revenue), so its plan is the most profitable of all objectives.
#}

with contacts as (

    select * from {{ ref('campaign_contacts') }}

),

objectives as (

    select * from {{ ref('campaign_objectives') }}

),

planned as (

    select
        objective,
        count(*) as customers,
        count(*) filter (where is_contacted) as contacts,
        coalesce(sum(probability) filter (where is_contacted), 0) as expected_responders,
        any_value(cost_per_contact) as cost_per_contact,
        any_value(revenue_per_responder) as revenue_per_responder
    from contacts
    group by objective

),

same_list as (

    select
        objectives.objective,
        min(earlier.objective) as same_list_as
    from objectives
    inner join objectives as earlier
        on objectives.threshold = earlier.threshold
            and objectives.display_order > earlier.display_order
    group by objectives.objective

),

final as (

    select
        -- ids
        objectives.objective,

        -- definition
        cast(objectives.display_order as integer) as display_order,
        objectives.rule,
        objectives.target_value,
        objectives.description,
        objectives.threshold,
        same_list.same_list_as,

        -- plan on the current customers
        cast(planned.customers as bigint) as customers,
        cast(planned.contacts as bigint) as contacts,
        planned.contacts / nullif(planned.customers, 0) as contact_share,
        planned.expected_responders,
        planned.cost_per_contact,
        planned.revenue_per_responder,
        planned.contacts * planned.cost_per_contact as expected_cost,
        planned.expected_responders * planned.revenue_per_responder as expected_revenue,
        planned.expected_responders * planned.revenue_per_responder
        - planned.contacts * planned.cost_per_contact as expected_profit,

        -- measured when the model was evaluated (out-of-fold, labelled base)
        objectives.expected_precision as measured_precision,
        objectives.expected_recall as measured_recall,
        objectives.labelled_customers as measured_customers,
        objectives.expected_profit as measured_profit,
        objectives.expected_profit_low as measured_profit_low,
        objectives.expected_profit_high as measured_profit_high,

        -- the measured profit and its band on the plan's base: the same profit per customer
        objectives.expected_profit * planned.customers
        / nullif(objectives.labelled_customers, 0) as tested_profit,
        objectives.expected_profit_low * planned.customers
        / nullif(objectives.labelled_customers, 0) as tested_profit_low,
        objectives.expected_profit_high * planned.customers
        / nullif(objectives.labelled_customers, 0) as tested_profit_high,

        -- model
        objectives.model_name,
        objectives.model_version
    from objectives
    inner join planned
        on objectives.objective = planned.objective
    left join same_list
        on objectives.objective = same_list.objective

)

select * from final
