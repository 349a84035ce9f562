-- One metric per class: the mean and 95 % interval of every method on each class, and how far the class is from
-- the method's mean over all classes. Parameters: :run_id, :metric.
SELECT c.model_id,
       c.method,
       c.label_name,
       c.n,
       c.mean,
       c.ci95_low,
       c.ci95_high,
       c.mean - a.mean AS mean_minus_overall
FROM summary c
JOIN summary a
  ON a.run_id = c.run_id AND a.model_id = c.model_id AND a.method = c.method AND a.metric = c.metric
 AND a.label_name IS NULL
WHERE c.run_id = :run_id AND c.run_id IN (SELECT run_id FROM runs WHERE status IN ('succeeded', 'succeeded_with_errors'))
  AND c.metric = :metric AND c.label_name IS NOT NULL
ORDER BY c.model_id, c.method, c.label_name
