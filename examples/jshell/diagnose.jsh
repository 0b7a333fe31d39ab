// A faulty image stopped by Azure's upgraded-unhealthy rule, then asked why: the diagnosis with its evidence, and
// whether anything drifted off the model. Runs to the end:
//   jshell --class-path "examples/target/classes:$(cat examples/target/cp.txt)" examples/jshell/osupgrade.jsh examples/jshell/diagnose.jsh
var image = ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
var fleet = SimulatedFleet.create(42);
var web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(30).zones(3).image(image));
var bad = fleet.publish(image.withVersion(ImageVersion.parse("22.04.202411010"))).version();
fleet.imageBehavior(bad, ImageBehavior.comesUpUnhealthy());
var rollout = fleet.run(Rollout.builder(fleet, web).target(bad).clock(fleet.clock())
    .listener(OperatorLog.summary(System.out::println)).build());
var diagnosis = FailureDiagnosis.of(rollout, fleet.get(web));
System.out.println(diagnosis);
System.out.println(DriftReport.of(fleet.get(web)));
/exit
