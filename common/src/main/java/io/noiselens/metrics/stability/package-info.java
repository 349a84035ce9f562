/** Ye and Farnia's stability and fidelity of smoothed saliency maps (METHODS.md §7). */
package io.noiselens.metrics.stability;
