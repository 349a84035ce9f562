/** Image decoding, resizing and encoding. */
package io.noiselens.image;
