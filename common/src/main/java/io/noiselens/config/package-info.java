/** Job configuration: HOCON read into typed records, every key declared once and validated before Spark starts. */
package io.noiselens.config;
