/**
 * Replicas in separate processes: {@code MultiProcessReplicasTest} starts three JVMs ({@code ReplicaMain}), each with
 * a {@code RolloutRunner}, its own {@code AzureFleet} over one ARM emulator and its own {@code BlobRolloutStore} on
 * one Azurite container, kills the leader with {@code kill -9} mid-batch, and checks from the emulator's journal, the
 * simulator's record and the replicas' lease logs that every instance was upgraded exactly once and that no mutating
 * call was sent without the lease.
 */
@NullMarked
package dev.osupgrade.azure.replicas;

import org.jspecify.annotations.NullMarked;
