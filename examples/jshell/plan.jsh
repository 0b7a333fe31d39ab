// Plan before you roll: the batches Azure's rules give a 30-instance zonal scale set, the estimate under two
// policies, and what the linter says about the fleet. Runs to the end:
//   jshell --class-path "examples/target/classes:$(cat examples/target/cp.txt)" examples/jshell/osupgrade.jsh examples/jshell/plan.jsh
var image = ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
var fleet = SimulatedFleet.create(42);
var web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(30).zones(3).image(image));
var v2 = fleet.publish(image.withVersion(ImageVersion.parse("22.04.202410010"))).version();
var plan = BatchPlanner.plan(fleet.get(web), RollingUpgradePolicy.ofDefaults(), v2);
System.out.println(plan);
var wide = BatchPlanner.plan(fleet.get(web),
    RollingUpgradePolicy.builder().maxBatchInstancePercent(50).enableCrossZoneUpgrade(true).build(), v2);
System.out.println("50% batches across zones: " + wide.estimate());
var findings = PolicyLinter.lint(fleet.get(web));
findings.forEach(System.out::println);
System.out.println(findings.size() + " lint finding(s)");
/exit
