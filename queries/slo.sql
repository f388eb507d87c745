-- hosp-logs slo --engine athena: request counts per minute, and per second in the few minutes
-- that hold a boundary of the window, a burn-rate window or a period (so every sum is exact);
-- hosp-logs folds them into the same SLO, budget and burn-rate report as the local engine.
-- Lines the table's regex could not read have a NULL time: counted as unparsed.
WITH r AS (
    SELECT
        {{second_or_minute}} AS t,
        COALESCE({{excluded}}, FALSE) AS excluded,
        {{status}} AS status,
        {{latency_ms}} AS ms
    FROM {{table}}
    WHERE {{partitions}}
      AND ({{unparsed}} OR ({{in_window}}))
)
SELECT
    t,
    count(*) AS total,
    count_if(excluded) AS excluded,
    count_if(NOT excluded AND status IS NULL) AS no_status,
    count_if(NOT excluded AND status < 500 AND ({{fast_enough}})) AS good
FROM r
GROUP BY t
ORDER BY t
