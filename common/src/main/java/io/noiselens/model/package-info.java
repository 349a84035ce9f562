/** Classifier models on SameDiff: the ClassifierModel interface, architectures, BatchNorm folding, model files, training of the built-in model. */
package io.noiselens.model;
