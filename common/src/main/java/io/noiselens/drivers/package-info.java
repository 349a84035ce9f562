/**
 * Methods computed by searches and optimisations over the engine's batched gradients: SmoothTaylor's adaptive
 * noising, RelEx, DANCE. Each is a {@link io.noiselens.attribution.Driver} attached to a method.
 */
package io.noiselens.drivers;
