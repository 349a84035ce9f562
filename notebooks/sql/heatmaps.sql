-- The maps of chosen images, for the heatmap viewer: every method's C×H×W map (row-major floats) with the label,
-- the explained target and the model's prediction. Parameters: ${run_id}, ${image_ids} (quoted, comma-separated,
-- e.g. 'eval-1', 'eval-7').
SELECT image_id, method, model_id, label, label_name, target, predicted, probability, channels, height, width,
       map, map_min, map_max
FROM attributions
WHERE run_id = '${run_id}' AND image_id IN (${image_ids})
ORDER BY image_id, model_id, method
