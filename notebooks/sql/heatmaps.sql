-- The maps of chosen images, for the heatmap viewer: every method's C×H×W map (row-major floats) with the label,
-- the explained target and the model's prediction. Parameters: :run_id, :image_ids (an array of ids,
-- e.g. array('eval-1', 'eval-7')).
SELECT image_id, method, model_id, label, label_name, target, predicted, probability, channels, height, width,
       map, map_min, map_max
FROM attributions
WHERE run_id = :run_id AND run_id IN (SELECT run_id FROM runs WHERE status IN ('succeeded', 'succeeded_with_errors'))
  AND array_contains(:image_ids, image_id)
ORDER BY image_id, model_id, method
