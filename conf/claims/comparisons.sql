-- The paired comparisons of a claim (noiselens reproduce; the claim files beside this one): for each row of the view
-- claim_comparisons (comparison, metric, method, baseline), the differences method − baseline of the metric in run
-- :run_id, image by image and model by model (cross-model metrics: model pair by model pair), oriented so that a
-- positive difference means the method is better in the metric's direction; over the pairs where both values are
-- finite: their number, mean and sample standard deviation. A comparison with no pair is kept (n = 0).
WITH m AS (
  SELECT image_id, model_id, method, metric, value, higher_is_better
  FROM metrics
  WHERE run_id = :run_id AND NOT isnan(value)
),
d AS (
  SELECT c.comparison,
         CASE WHEN a.higher_is_better THEN a.value - b.value ELSE b.value - a.value END AS d
  FROM claim_comparisons c
  JOIN m a ON a.metric = c.metric AND a.method = c.method
  JOIN m b ON b.metric = c.metric AND b.method = c.baseline AND b.image_id = a.image_id AND b.model_id = a.model_id
)
SELECT c.comparison, c.metric, c.method, c.baseline,
       COUNT(d.d) AS n,
       AVG(d.d) AS mean,
       STDDEV_SAMP(d.d) AS sd
FROM claim_comparisons c
LEFT JOIN d ON d.comparison = c.comparison
GROUP BY c.comparison, c.metric, c.method, c.baseline
