/**
 * Operations after the fact: which instances drift from the scale set model and how to bring them there, and why a
 * rollout failed — the new image, extension sequencing, application start-up, regional replication, capacity or
 * concurrent maintenance — with the evidence from its events and the fleet.
 */
@NullMarked
package dev.osupgrade.diagnosis;

import org.jspecify.annotations.NullMarked;
