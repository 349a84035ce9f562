/** Datasets the engine consumes: labelled images with masks and the built-in synthetic shapes set. */
package io.noiselens.data;
