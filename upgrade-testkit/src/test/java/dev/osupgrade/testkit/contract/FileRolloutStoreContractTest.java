package dev.osupgrade.testkit.contract;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.RolloutStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** The file store passes the RolloutStore contract; each replica opens the directory anew, as another JVM would. */
final class FileRolloutStoreContractTest extends RolloutStoreContract {
  @TempDir Path dir;

  @Override
  protected RolloutStore openReplica() {
    return RolloutStore.file(dir);
  }

  /** Overwrites the scale set's file (named after its resource group and name) with text that is no checkpoint. */
  @Override
  protected void corrupt(ScaleSetId scaleSet) throws Exception {
    List<Path> files;
    try (var all = Files.list(dir)) {
      files = all.filter(p -> p.getFileName().toString().endsWith("_" + scaleSet.resourceGroup() + "_"
          + scaleSet.name() + ".checkpoint")).toList();
    }
    if (files.size() != 1) {
      throw new IllegalStateException("expected one file of " + scaleSet + " in " + dir + ", found " + files);
    }
    Files.writeString(files.get(0), "garbage\n", StandardCharsets.UTF_8);
  }
}
