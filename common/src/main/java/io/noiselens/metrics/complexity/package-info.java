/** Complexity metrics (METHODS.md §8). */
package io.noiselens.metrics.complexity;
