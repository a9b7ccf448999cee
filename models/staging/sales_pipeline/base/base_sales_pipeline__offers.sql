-- depends_on: {{ ref('raw_file_audit') }}
{# Every raw offer row, typed, with the reason it cannot be staged (null when it can). #}

with numbered as (

    {{ numbered_raw_rows('sales_pipeline', 'offers') }}

),

ranked as (

    select
        *,
        {{ duplicate_rank(['Id', 'Use Case', 'Status', 'Created Date', 'Close Date', 'Price',
                           'Discount code', 'Pain', 'Loss Reason']) }} as duplicate_rank
    from numbered

),

statuses as (

    select * from {{ ref('offer_statuses') }}

),

parsed as (

    select
        -- ids
        source_row_number,
        -- offers have no key of their own; identical rows are told apart by their occurrence
        substr(md5(raw_record || '#' || duplicate_rank), 1, 16) as offer_id,
        {{ clean_text('"Id"') }} as lead_id,

        -- strings
        {{ clean_text('"Use Case"') }} as use_case,
        {{ clean_text('"Status"') }} as status,
        {{ clean_text('"Discount code"') }} as discount_code,
        {{ clean_text('"Pain"') }} as pain,
        {{ clean_text('"Loss Reason"') }} as loss_reason,

        -- numerics
        {{ parse_as('"Price"', 'double') }} as price,

        -- dates
        {{ parse_as('"Created Date"', 'date') }} as created_date,
        {{ parse_as('"Close Date"', 'date') }} as close_date,

        -- raw values needed to judge the row
        {{ clean_text('"Status"') }} in (select statuses.status from statuses) as is_known_status,
        {{ fails_parse('"Price"', 'double') }} as price_unparseable,
        {{ fails_parse('"Close Date"', 'date') }} as close_date_unparseable,
        duplicate_rank,
        raw_record
    from ranked

),

final as (

    select
        *,
        {{ reject_reason([
            ("created_date is null", "missing_or_unparseable_created_date"),
            ("close_date_unparseable", "unparseable_close_date"),
            ("status is null", "missing_status"),
            ("not is_known_status", "unknown_status"),
            ("price_unparseable", "unparseable_price"),
            ("price < 0", "negative_price"),
        ]) }} as reject_reason
    from parsed

)

select * from final
