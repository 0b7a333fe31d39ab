// What if? The faulty rollout replayed in the simulator, each instance as it really behaved, under smaller and
// larger batches: where each would have stopped, how many instances took the bad image, makespan, lowest healthy
// capacity. Runs to the end:
//   jshell --class-path "examples/target/classes:$(cat examples/target/cp.txt)" examples/jshell/osupgrade.jsh examples/jshell/whatif.jsh
var image = ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
var fleet = SimulatedFleet.create(42);
var web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(30).zones(3).image(image));
var bad = fleet.publish(image.withVersion(ImageVersion.parse("22.04.202411010"))).version();
fleet.imageBehavior(bad, ImageBehavior.comesUpUnhealthy());
var rollout = fleet.run(Rollout.builder(fleet, web).target(bad).clock(fleet.clock()).build());
// (a line that ends a statement ends it in a script: continue a chain with a dot at the end of the line)
var comparison = WhatIf.of(rollout, fleet.record(web)).
    with(RollingUpgradePolicy.builder().maxBatchInstancePercent(10).build()).
    with(RollingUpgradePolicy.builder().maxBatchInstancePercent(50).enableCrossZoneUpgrade(true).build()).
    compare();
System.out.print(comparison);
/exit
