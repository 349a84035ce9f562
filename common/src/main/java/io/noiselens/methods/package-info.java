/**
 * The method catalogue: one class per attribution method family, each declaring its configuration keys (type,
 * default, bounds, one line of documentation), validating its own values and assembling its estimator from the
 * engine's parts ({@code attribution}) and drivers ({@code drivers}). {@link io.noiselens.methods.MethodCatalogue}
 * lists the families; the job configuration, README's method table and {@code --help} are read from it.
 */
package io.noiselens.methods;
