// osupgrade's whole public API in JShell: every public package (JShellScriptsTest checks none is missing), and
// java.time. Load it before your own snippets or scripts, from the project root:
//   mvn -B -q -pl examples -am -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
//   jshell --class-path "examples/target/classes:$(cat examples/target/cp.txt)" examples/jshell/osupgrade.jsh
import java.time.*;
import dev.osupgrade.*;
import dev.osupgrade.azure.*;
import dev.osupgrade.diagnosis.*;
import dev.osupgrade.estate.*;
import dev.osupgrade.event.*;
import dev.osupgrade.fleet.*;
import dev.osupgrade.governance.*;
import dev.osupgrade.governance.performance.*;
import dev.osupgrade.governance.rings.*;
import dev.osupgrade.governance.schedule.*;
import dev.osupgrade.health.*;
import dev.osupgrade.image.*;
import dev.osupgrade.observe.*;
import dev.osupgrade.ops.*;
import dev.osupgrade.plan.*;
import dev.osupgrade.policy.*;
import dev.osupgrade.port.*;
import dev.osupgrade.report.*;
import dev.osupgrade.rollout.*;
import dev.osupgrade.service.*;
import dev.osupgrade.testkit.*;
import dev.osupgrade.testkit.bench.*;
import dev.osupgrade.testkit.contract.*;
