-- Method leaderboard per metric category: each metric's mean over all images with its 95 % bootstrap interval,
-- methods ranked best first (by the metric's direction). Parameters: :run_id.
SELECT category,
       metric,
       model_id,
       method,
       RANK() OVER (PARTITION BY category, metric, model_id
                    ORDER BY CASE WHEN higher_is_better THEN -mean ELSE mean END) AS rank,
       mean,
       ci95_low,
       ci95_high,
       n,
       n_nan,
       higher_is_better
FROM summary
WHERE run_id = :run_id AND run_id IN (SELECT run_id FROM runs WHERE status IN ('succeeded', 'succeeded_with_errors'))
  AND label_name IS NULL AND mean IS NOT NULL
ORDER BY category, metric, model_id, rank, method
