-- Run over run, for scheduled evaluations: every method × metric mean of run :run_id next to the same in the run
-- :previous_run_id, with the change and whether the two 95 % intervals are disjoint.
SELECT cur.model_id,
       cur.category,
       cur.metric,
       cur.method,
       prev.mean AS previous_mean,
       cur.mean AS mean,
       cur.mean - prev.mean AS change,
       (cur.ci95_low > prev.ci95_high OR cur.ci95_high < prev.ci95_low) AS intervals_disjoint,
       r.finished_at AS finished_at,
       pr.finished_at AS previous_finished_at
FROM summary cur
JOIN summary prev
  ON prev.model_id = cur.model_id AND prev.method = cur.method AND prev.metric = cur.metric
 AND prev.label_name IS NULL AND prev.run_id = :previous_run_id
 AND prev.run_id IN (SELECT run_id FROM runs WHERE status IN ('succeeded', 'succeeded_with_errors'))
JOIN runs r ON r.run_id = cur.run_id
JOIN runs pr ON pr.run_id = prev.run_id
WHERE cur.run_id = :run_id AND cur.run_id IN (SELECT run_id FROM runs WHERE status IN ('succeeded', 'succeeded_with_errors'))
  AND cur.label_name IS NULL
ORDER BY cur.model_id, cur.category, cur.metric, cur.method
