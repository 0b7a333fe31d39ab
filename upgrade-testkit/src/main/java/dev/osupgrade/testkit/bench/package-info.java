/** Benchmarks that print numbers: planner, engine step, and whole simulated rollouts, with heap use. */
@NullMarked
package dev.osupgrade.testkit.bench;

import org.jspecify.annotations.NullMarked;
