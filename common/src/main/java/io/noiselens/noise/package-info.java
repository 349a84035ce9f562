/** The weight and input noise built on the keyed streams (NoiseGrad's replicas, SmoothGrad's perturbations). */
package io.noiselens.noise;
