/**
 * The ground floor every other package may use and which uses none of them: the error type users see, the one place
 * its messages are built (what, why, fix), and the declaration of a configuration key.
 */
package io.noiselens.lang;
