/** osupgrade: plans, drives, governs and simulates automatic OS image upgrades of VM scale sets. */
@NullMarked
package dev.osupgrade;

import org.jspecify.annotations.NullMarked;
