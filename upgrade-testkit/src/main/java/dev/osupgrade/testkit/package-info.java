/** The simulated fleet, virtual clock, JUnit 5 extension and assertions. */
@NullMarked
package dev.osupgrade.testkit;

import org.jspecify.annotations.NullMarked;
