-- Stability against fidelity over a noise sweep (Ye & Farnia): for each method and its input-noise level sigma_x
-- (read from method_params), the mean fidelity error (against the same method without noise) and the mean
-- stability error between the run's models (null with one model). Parameters: :run_id.
WITH params AS (
  SELECT DISTINCT method,
         CAST(get_json_object(method_params, '$.sigma_x') AS DOUBLE) AS sigma_x,
         get_json_object(method_params, '$.sigma_x_mode') AS sigma_x_mode,
         base_method
  FROM attributions
  WHERE run_id = :run_id AND run_id IN (SELECT run_id FROM runs WHERE status IN ('succeeded', 'succeeded_with_errors'))
  AND get_json_object(method_params, '$.sigma_x') IS NOT NULL
),
errors AS (
  SELECT method,
         AVG(CASE WHEN metric = 'fidelity_error' THEN value END) AS fidelity_error,
         AVG(CASE WHEN metric = 'stability_error' THEN value END) AS stability_error,
         AVG(CASE WHEN metric = 'stability_error_normalised' THEN value END) AS stability_error_normalised,
         COUNT(CASE WHEN metric = 'fidelity_error' THEN 1 END) AS n_maps
  FROM metrics
  WHERE run_id = :run_id AND run_id IN (SELECT run_id FROM runs WHERE status IN ('succeeded', 'succeeded_with_errors'))
  AND metric IN ('fidelity_error', 'stability_error', 'stability_error_normalised')
    AND NOT isnan(value)
  GROUP BY method
)
SELECT p.base_method, p.method, p.sigma_x, p.sigma_x_mode, e.fidelity_error, e.stability_error,
       e.stability_error_normalised, e.n_maps
FROM params p
JOIN errors e ON e.method = p.method
ORDER BY p.base_method, p.sigma_x, p.method
