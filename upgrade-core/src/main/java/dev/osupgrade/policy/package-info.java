/**
 * Upgrade policies with Azure's fields, defaults and ranges: the rolling upgrade policy, the automatic OS upgrade
 * policy and the upgrade mode. Invalid values fail at construction, naming the parameter, the range and the value.
 */
@NullMarked
package dev.osupgrade.policy;

import org.jspecify.annotations.NullMarked;
