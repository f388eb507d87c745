-- hosp-logs latency --engine athena: exact percentiles. ALB times have millisecond precision,
-- so the latencies take few distinct values: one scan returns (group, latency, count) and
-- hosp-logs interpolates the percentiles from these histograms exactly as the local engine
-- does (linear between the closest ranks), with no approx_percentile error.
WITH r AS (
    SELECT
        COALESCE({{excluded}}, FALSE) AS x,
        {{unparsed}} AS u,
        {{method}} AS method,
        {{endpoint}} AS endpoint,
        {{backend}} AS target_group,
        {{bucket}} AS bucket,
        {{latency_ms}} AS ms
    FROM {{table}}
    WHERE {{partitions}}
      AND ({{unparsed}} OR ({{in_window}}))
)
SELECT
    grouping(method, endpoint, target_group, bucket) AS set_id,
    x, u, method, endpoint, target_group, bucket, ms,
    count(*) AS n
FROM r
GROUP BY GROUPING SETS (
    (x, u, ms), (x, u, method, endpoint, ms), (x, u, target_group, ms), (x, u, bucket, ms)
)
