-- depends_on: {{ ref('raw_file_audit') }}
{#
    Every raw offer row, typed, with the reason it cannot be staged (null when it can).

    offer_id must follow an offer from open to closed, so it never depends on what changes when
    an offer moves through the pipeline (Status, Close Date, Loss Reason):
    - `o_` + the source `Id` (the lead the offer was made to) when that Id is present and
      appears once in the file;
    - else `h_` + a digest of what is known when the offer is created (Id, Use Case, Created
      Date, Price, Discount code, Pain). Offers identical on all of these are "creation twins":
      they get `-2`, `-3`, ... in the order of the rest of their raw row. Twins had identical
      features when open, so their open scores are identical whichever number each carries.
    Caveats: an Id that becomes repeated in a later extract (a second offer to the same lead)
    moves that lead's first offer to the digest form; editing a creation field of an offer
    without a unique Id changes its id.
#}

{%- set creation_columns = ['Id', 'Use Case', 'Created Date', 'Price', 'Discount code', 'Pain'] %}
{%- set outcome_columns = ['Status', 'Close Date', 'Loss Reason'] %}
{#- an offer closed after the as-of cut (macros/staging/as_of_cut.sql) was still open on it -#}
{%- set closed_after_cut = after_as_of_cut(
    'sales_pipeline', parse_as(adapter.quote('Close Date'), 'date')
) %}

with numbered as (

    {{ numbered_raw_rows('sales_pipeline', 'offers') }}

),

ranked as (

    select
        *,
        count(*) over (partition by {{ clean_text(adapter.quote('Id')) }}) as rows_with_this_id,
        {{ identity_digest('h_', creation_columns) }} as creation_digest,
        {{ duplicate_rank(creation_columns + outcome_columns) }} as duplicate_rank
    from numbered

),

twins as (

    select
        *,
        row_number() over (
            partition by creation_digest
            order by
                {%- for column in outcome_columns %}
                coalesce(trim({{ adapter.quote(column) }}), ''),
                {%- endfor %}
                source_row_number
        ) as twin_number
    from ranked

),

statuses as (

    select * from {{ ref('offer_statuses') }}

),

parsed as (

    select
        -- ids
        source_row_number,
        case
            when {{ clean_text(adapter.quote('Id')) }} is not null and rows_with_this_id = 1
                then 'o_' || {{ clean_text(adapter.quote('Id')) }}
            else creation_digest || case when twin_number > 1 then '-' || twin_number else '' end
        end as offer_id,
        {{ clean_text(adapter.quote('Id')) }} as lead_id,

        -- strings
        {{ clean_text(adapter.quote('Use Case')) }} as use_case,
        -- an offer closed after the as-of cut was still open on it: its stage is not in the
        -- file, it shows as the last open stage
        case
            when {{ closed_after_cut }}
                and {{ clean_text(adapter.quote('Status')) }} like 'Closed%'
                then 'Negotiation'
            else {{ clean_text(adapter.quote('Status')) }}
        end as status,
        {{ clean_text(adapter.quote('Discount code')) }} as discount_code,
        {{ clean_text(adapter.quote('Pain')) }} as pain,
        case
            when not {{ closed_after_cut }}
                then {{ clean_text(adapter.quote('Loss Reason')) }}
        end as loss_reason,

        -- numerics
        {{ parse_as(adapter.quote('Price'), 'double') }} as price,

        -- dates
        {{ parse_as(adapter.quote('Created Date'), 'date') }} as created_date,
        case
            when not {{ closed_after_cut }}
                then {{ parse_as(adapter.quote('Close Date'), 'date') }}
        end as close_date,

        -- raw values needed to judge the row
        {{ clean_text(adapter.quote('Status')) }} in (select statuses.status from statuses)
            as is_known_status,
        {{ fails_parse(adapter.quote('Price'), 'double') }} as price_unparseable,
        {{ fails_parse(adapter.quote('Close Date'), 'date') }} as close_date_unparseable,
        duplicate_rank,
        raw_record
    from twins

),

bounds as (

    {{ plausible_date_bounds('parsed', ['created_date', 'close_date']) }}

),

final as (

    select
        parsed.*,
        {{ reject_reason([
            ("created_date is null", "missing_or_unparseable_created_date"),
            ("close_date_unparseable", "unparseable_close_date"),
            ("status is null", "missing_status"),
            ("not is_known_status", "unknown_status"),
            ("price_unparseable", "unparseable_price"),
            ("price < 0", "negative_price"),
            ("price > " ~ var('sales_pipeline_max_price'), "implausible_price"),
            (outside_bounds('created_date'), "implausible_created_date"),
            (outside_bounds('close_date'), "implausible_close_date"),
        ] + as_of_cut_rules('sales_pipeline', 'created_date')) }} as reject_reason
    from parsed
    cross join bounds

)

select * from final
