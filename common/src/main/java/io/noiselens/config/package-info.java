/** Job configuration (HOCON, typed, validated before Spark starts) and the one factory of user-facing errors. */
package io.noiselens.config;
