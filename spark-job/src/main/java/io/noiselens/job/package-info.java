/** The Spark job: CLI, dataset reading, model broadcast and executor cache, partition explainer, tables and run records. */
package io.noiselens.job;
