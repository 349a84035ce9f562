/** Keyed, stateless random streams and the weight and input noise built on them (NoiseGrad's replicas, SmoothGrad's perturbations). */
package io.noiselens.noise;
