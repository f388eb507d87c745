-- hosp-logs edge --engine athena: the edge view in one scan, one grouping set per table
-- (`set_id`, grouping()). Result types are counted per set, so each table's mix (hits,
-- misses, errors, …) and its 5XX come back with it; time-to-first-byte and time-taken come
-- back as histograms (`fb`, `ms`: millisecond values and their counts), from which
-- hosp-logs interpolates the percentiles exactly as the local engine does. [exclude]d
-- traffic is kept apart by `x`, lines the table could not read by `u`.
WITH r AS (
    SELECT
        COALESCE({{excluded}}, FALSE) AS x,
        {{unparsed}} AS u,
        {{status}} AS status,
        {{edge_result}} AS edge_result,
        {{edge_detail}} AS edge_detail,
        {{edge_location}} AS edge_location,
        {{method}} AS method,
        {{endpoint}} AS endpoint,
        {{request_type}} AS request_type,
        {{tls_protocol}} AS tls_protocol,
        {{first_byte_ms}} AS fb,
        {{latency_ms}} AS ms,
        {{bucket}} AS bucket
    FROM {{table}}
    WHERE {{partitions}}
      AND ({{unparsed}} OR ({{in_window}}))
)
SELECT
    grouping(edge_result, edge_detail, edge_location, method, endpoint, request_type, tls_protocol, fb, ms, bucket) AS set_id,
    x, u, edge_result, edge_detail, edge_location, method, endpoint, request_type, tls_protocol, fb, ms, bucket,
    count(*) AS requests,
    count_if(edge_result = 'Hit') AS hit,
    count_if(edge_result = 'RefreshHit') AS refresh_hit,
    count_if(edge_result = 'Miss') AS miss,
    count_if(edge_result = 'Error') AS error,
    count_if(edge_result = 'Redirect') AS redirect,
    count_if(status BETWEEN 500 AND 599) AS e5
FROM r
GROUP BY GROUPING SETS (
    (x, u), (x, u, edge_result), (x, u, edge_detail), (x, u, edge_location), (x, u, method, endpoint),
    (x, u, request_type), (x, u, tls_protocol), (x, u, fb), (x, u, ms), (x, u, bucket)
)
