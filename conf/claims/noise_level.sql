-- The weight-noise level the NoiseGrad paper's heuristic chooses for run :run_id (noiselens reproduce): of the run's
-- σ_w, the one whose replicas lose on average closest to 7.5 % of the clean model's accuracy (the paper's "about
-- 5-10 %" drop, relative to the clean accuracy), with that drop and the number of replicas behind it.
SELECT sigma_w,
       AVG(rel_acc_drop) AS rel_drop,
       COUNT(*) AS replicas
FROM replicas
WHERE run_id = :run_id AND rel_acc_drop IS NOT NULL
GROUP BY sigma_w
ORDER BY ABS(AVG(rel_acc_drop) - 0.075), sigma_w
LIMIT 1
