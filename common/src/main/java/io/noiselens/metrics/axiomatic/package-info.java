/** Axiomatic metrics: properties an attribution should have by construction (METHODS-2.md §B.6). */
package io.noiselens.metrics.axiomatic;
