/**
 * Port contract tests: abstract JUnit 5 classes that state, case by case, what every implementation of a port of
 * {@code dev.osupgrade.port} guarantees. Each class has one hook that returns the port under test answering from a
 * {@link dev.osupgrade.testkit.SimulatedFleet}, the world each case builds first (the "given"). The testkit runs them
 * against the simulator itself; an adapter runs them against itself over an emulator serving the same world (the
 * Azure adapter does, over WireMock), so the simulator and the adapter cannot drift apart unnoticed.
 *
 * <pre>{@code
 * final class MyFleetScaleSetPortTest extends ScaleSetPortContract {
 *   @Override protected ScaleSetPort portOver(SimulatedFleet world) {
 *     return MyFleet.over(emulatorServing(world));
 *   }
 * }
 * }</pre>
 *
 * <p>Where implementations may legitimately differ, the contract says what is guaranteed and the class comment lists
 * the difference; nothing is left out silently. Cases move the world's clock holding the world's monitor, so an
 * emulator that answers from its own threads should hold it too while it reads or changes the world.
 */
@NullMarked
package dev.osupgrade.testkit.contract;

import org.jspecify.annotations.NullMarked;
