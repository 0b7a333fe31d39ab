// Rehearse a rollout on the simulated fleet, as an operator watches it: the summary log (one line per batch and
// gate, percent done, time to go by the plan's estimate). Hours of fleet time in well under a second. Runs to the end:
//   jshell --class-path "examples/target/classes:$(cat examples/target/cp.txt)" examples/jshell/osupgrade.jsh examples/jshell/rehearse.jsh
var image = ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
var fleet = SimulatedFleet.create(42);
var web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(30).zones(3).image(image));
var v2 = fleet.publish(image.withVersion(ImageVersion.parse("22.04.202410010"))).version();
var rollout = fleet.run(Rollout.builder(fleet, web).target(v2).clock(fleet.clock())
    .listener(OperatorLog.summary(System.out::println)).build());
System.out.println(rollout);
/exit
