/**
 * The seeds' claims ({@code noiselens reproduce}): each claim is a configuration file that runs the ordinary job and
 * lists paired comparisons of methods on metrics; {@link io.noiselens.claims.Verdict} turns a comparison's paired
 * differences into a 95 % interval and holds / does not hold / inconclusive.
 */
package io.noiselens.claims;
