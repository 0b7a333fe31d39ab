/**
 * Images: references to marketplace and gallery images, parsed and ordered versions, releases with their regional
 * replication state, and the eligibility rule that says whether a release may reach a scale set.
 */
@NullMarked
package dev.osupgrade.image;

import org.jspecify.annotations.NullMarked;
