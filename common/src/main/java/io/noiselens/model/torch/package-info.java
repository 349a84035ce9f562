/**
 * The torch engine: libtorch 2.10 through JavaCPP, next to ND4J in the same JVM (issue 14, in progress: the runtime
 * and its tensor exchange so far).
 */
package io.noiselens.model.torch;
