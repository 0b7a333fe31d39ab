/**
 * The fleet: scale sets, their instances, zones, update and fault domains, and instance health as the Application
 * Health extension reports it.
 */
@NullMarked
package dev.osupgrade.fleet;

import org.jspecify.annotations.NullMarked;
