package io.noiselens.attribution;

/** Which class is explained (METHODS.md §1.2): the clean model's top-1 prediction, or the dataset label. */
public enum TargetSource { PREDICTED, LABEL }
