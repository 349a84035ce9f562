/** Metrics that attack the model or the map: class retrieval from adversarial examples (Lim et al.). */
package io.noiselens.metrics.adversarial;
