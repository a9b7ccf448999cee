{#-
    The real data as it was known on a day (docs/data.md "As-of cuts of your own data"): var
    `<source>_as_of_cut` ('YYYY-MM-DD', null = the whole file) rejects the rows that did not
    exist yet (reason `after_as_of_cut`, so they are still accounted for), and the offers'
    base model reopens the offers that closed after the cut. With the cuts of successive
    months, successive builds replay the warehouse's history: ml.prediction_log and
    ml.model_track_record then show how the predictions of each month came true.
-#}

{#- The reject rule of a source's cut: [] without one. -#}
{% macro as_of_cut_rules(source_name, date_expr) -%}
    {%- set cut = var(source_name ~ '_as_of_cut', none) -%}
    {%- if cut -%}
        {{ return([(date_expr ~ " > date '" ~ cut ~ "'", "after_as_of_cut")]) }}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}

{#- Whether a date falls after a source's cut (false without a cut): for the fields that were
    not known yet on the cut (an offer's close). -#}
{% macro after_as_of_cut(source_name, date_expr) -%}
    {%- set cut = var(source_name ~ '_as_of_cut', none) -%}
    {%- if cut -%}
        coalesce({{ date_expr }} > date '{{ cut }}', false)
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}
