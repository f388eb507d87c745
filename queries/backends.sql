-- hosp-logs backends --engine athena: target groups side by side and the routes that moved
-- between them. Latency histograms per group give exact p50/p99 (see latency.sql).
WITH r AS (
    SELECT
        COALESCE({{excluded}}, FALSE) AS x,
        {{unparsed}} AS u,
        {{time}} AS time,
        {{backend}} AS target_group,
        {{status}} AS status,
        {{method}} AS method,
        {{endpoint}} AS endpoint,
        {{bucket}} AS bucket,
        {{latency_ms}} AS ms
    FROM {{table}}
    WHERE {{partitions}}
      AND ({{unparsed}} OR ({{in_window}}))
)
SELECT
    grouping(target_group, method, endpoint, bucket, ms) AS set_id,
    x, u, target_group, method, endpoint, bucket, ms,
    count(*) AS requests,
    count_if(status < 500) AS ok,
    count_if(status BETWEEN 500 AND 599) AS e5,
    min(time) AS first_seen,
    max(time) AS last_seen
FROM r
GROUP BY GROUPING SETS (
    (x, u, target_group, ms), (x, u, method, endpoint, target_group, ms), (x, u, bucket, target_group)
)
