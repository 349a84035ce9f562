/** Randomisation (sanity-check) metrics (METHODS.md §8.5). */
package io.noiselens.metrics.randomisation;
