// osupgrade playground: a simulated fleet in a few lines, then the shell is yours. From the project root:
//   mvn -B -q -pl examples -am -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
//   jshell --class-path "examples/target/classes:$(cat examples/target/cp.txt)" examples/jshell/osupgrade.jsh examples/jshell/playground.jsh
var image = ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
var fleet = SimulatedFleet.create(42);
var web = fleet.add(ScaleSetSpec.named("web").instances(12).zones(3).image(image));
var v2 = fleet.publish(image.withVersion(ImageVersion.parse("22.04.202410010"))).version();
var plan = BatchPlanner.plan(fleet.get(web), RollingUpgradePolicy.builder().maxBatchInstancePercent(25).build(), v2);
System.out.println(plan);
var rollout = fleet.run(Rollout.builder(fleet, web).target(v2).clock(fleet.clock()).build());
System.out.println(rollout);
