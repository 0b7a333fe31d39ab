/** Runnable examples: the demo and embedding samples. */
@NullMarked
package dev.osupgrade.examples;

import org.jspecify.annotations.NullMarked;
