package io.noiselens.model;

/** Which scalar of the class output is explained (METHODS.md §1.1): the pre-softmax logit or the probability. */
public enum OutputSpace { LOGIT, PROBABILITY }
