-- hosp-logs errors --engine athena: every breakdown of the errors report in one scan, one
-- grouping set per table; `set_id` (grouping()) says which set a row belongs to. Traffic that
-- [exclude] names is kept apart by `x`, and lines the table's regex could not read (a row of
-- NULLs) by `u`: every set is also grouped by both, so both can be counted.
WITH r AS (
    SELECT
        COALESCE({{excluded}}, FALSE) AS x,
        {{unparsed}} AS u,
        {{status}} AS status,
        {{generated}} AS generated,
        {{method}} AS method,
        {{endpoint}} AS endpoint,
        {{target}} AS target,
        {{backend}} AS target_group,
        {{error_reason}} AS error_reason,
        {{actions}} AS actions,
        {{latency_ms}} AS ms,
        {{bucket}} AS bucket,
        {{cause}} AS cause
    FROM {{table}}
    WHERE {{partitions}}
      AND ({{unparsed}} OR ({{in_window}}))
)
SELECT
    grouping(status, method, endpoint, target, target_group, error_reason, actions, bucket, cause) AS set_id,
    x, u, status, method, endpoint, target, target_group, error_reason, actions, bucket, cause,
    count(*) AS requests,
    count_if(status BETWEEN 500 AND 599) AS e5,
    count_if(status BETWEEN 500 AND 599 AND generated) AS alb,
    count_if(generated) AS no_target,
    count_if(status BETWEEN 400 AND 499) AS e4,
    count_if(status BETWEEN 500 AND 599 AND ms <= {{slow_ms}}) AS fast,
    count_if(status BETWEEN 500 AND 599 AND ms > {{slow_ms}}) AS slow,
    count_if(status BETWEEN 500 AND 599 AND ms IS NULL) AS e5_no_latency
FROM r
GROUP BY GROUPING SETS (
    (x, u), (x, u, status), (x, u, method, endpoint), (x, u, target), (x, u, target_group), (x, u, error_reason), (x, u, actions), (x, u, bucket), (x, u, cause)
)
