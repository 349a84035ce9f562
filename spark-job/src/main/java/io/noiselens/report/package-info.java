/**
 * The run report: a self-contained static HTML page per run, read from the run's tables only (never re-running a
 * model), with its plots as inline SVG.
 */
package io.noiselens.report;
