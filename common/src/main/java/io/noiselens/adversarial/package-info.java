/** Adversarial inputs and explanation attacks: PGD and FGSM (L∞), and Ghorbani et al.'s attack on the maps. */
package io.noiselens.adversarial;
