/**
 * Keyed, stateless random streams: every draw is a pure function of (run seed, purpose, image, sample or replica
 * index), so a retried or repartitioned task reproduces its numbers. The ground floor besides {@code lang}.
 */
package io.noiselens.random;
