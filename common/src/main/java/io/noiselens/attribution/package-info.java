/** The estimator engine (DESIGN.md §3) and the attribution methods: base explainers, noise plans, reducers. */
package io.noiselens.attribution;
