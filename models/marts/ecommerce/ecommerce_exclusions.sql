{#
    Where every staged online-retail line went: one row for the lines that count (`included`)
    and one per exclusion rule, in the order the rules are applied. `lines` counts each line
    once, under the first rule it breaks, so the rows add up to the staged lines;
    `lines_matching_rule` counts every line the rule matches, overlaps included.
#}

{%- set rules = [
    ('non_product_stock_code', 'is_non_product_stock_code'),
    ('unit_price_below_minimum', 'is_unit_price_below_minimum'),
    ('excluded_country', 'is_excluded_country'),
    ('excluded_customer', 'is_excluded_customer'),
    ('missing_customer_id', 'is_missing_customer_id'),
] %}

with lines as (

    select * from {{ ref('int_ecommerce__transaction_lines_classified') }}

),

-- every outcome gets a row, even a rule that matches nothing on this data
outcomes as (

    select
        0 as rule_order,
        'included' as outcome
    {%- for reason, flag in rules %}
    union all
    select
        {{ loop.index }} as rule_order,
        '{{ reason }}' as outcome
    {%- endfor %}

),

outcome_lines as (

    select
        coalesce(exclusion_reason, 'included') as outcome,
        count(*) as lines,
        count(*) filter (where line_kind = 'purchase') as purchase_lines,
        count(*) filter (where line_kind = 'return') as return_lines,
        {{ sum_integers('quantity') }} as net_units,
        sum(line_amount) as net_amount,
        count(distinct customer_id) as customers
    from lines
    group by coalesce(exclusion_reason, 'included')

),

rule_matches as (

    select
        'included' as outcome,
        count(*) filter (where is_included) as lines_matching_rule
    from lines
    {%- for reason, flag in rules %}
    union all
    select
        '{{ reason }}' as outcome,
        count(*) filter (where {{ flag }}) as lines_matching_rule
    from lines
    {%- endfor %}

),

total as (

    select count(*) as staged_lines from lines

),

final as (

    select
        -- ids
        outcomes.outcome,

        -- booleans
        outcomes.outcome != 'included' as is_excluded,

        -- numerics
        outcomes.rule_order,
        coalesce(outcome_lines.lines, 0) as lines,
        round(coalesce(outcome_lines.lines, 0) / nullif(total.staged_lines, 0), 6)
            as share_of_staged_lines,
        rule_matches.lines_matching_rule,
        coalesce(outcome_lines.purchase_lines, 0) as purchase_lines,
        coalesce(outcome_lines.return_lines, 0) as return_lines,
        coalesce(outcome_lines.net_units, 0) as net_units,
        coalesce(outcome_lines.net_amount, 0) as net_amount,
        coalesce(outcome_lines.customers, 0) as customers

    from outcomes
    left join outcome_lines
        on outcomes.outcome = outcome_lines.outcome
    left join rule_matches
        on outcomes.outcome = rule_matches.outcome
    cross join total

)

select * from final
