package dev.osupgrade.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Durations;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.testkit.SimulatedFleet;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The JShell startup script imports the whole public API, and each script in examples/jshell runs to its end
 * ({@code /exit}) through the JShell API, read the way the jshell tool reads a file, and prints what it promises.
 */
final class JShellScriptsTest {

  @Test
  void startup_importsEveryPublicPackage_andNothingElse() throws Exception {
    Set<String> packages = new TreeSet<>();
    for (Class<?> anchor : List.of(Durations.class, SimulatedFleet.class, AzureFleet.class)) {
      packages.addAll(publicPackages(Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI())));
    }
    Set<String> imported = new TreeSet<>();
    for (String line : Files.readAllLines(JShellScripts.dir().resolve("osupgrade.jsh"), StandardCharsets.UTF_8)) {
      if (line.startsWith("import ")) {
        imported.add(line.substring("import ".length(), line.length() - ".*;".length()));
      }
    }

    assertThat(packages).contains("dev.osupgrade", "dev.osupgrade.diagnosis", "dev.osupgrade.observe",
        "dev.osupgrade.azure", "dev.osupgrade.testkit").noneMatch(p -> p.contains("internal"));
    Set<String> expected = new TreeSet<>(packages);
    expected.add("java.time");
    assertThat(imported).isEqualTo(expected);
    try (JShellScripts jshell = new JShellScripts()) {
      jshell.run(JShellScripts.dir().resolve("osupgrade.jsh"));
      assertThat(jshell.problems()).isEmpty();
      assertThat(jshell.value("FailureDiagnosis.class.getName()")).isEqualTo("\"dev.osupgrade.diagnosis.FailureDiagnosis\"");
    }
  }

  /** Packages with a public top-level type, in a directory of classes or a jar; internal packages are not API. */
  private static Set<String> publicPackages(Path location) throws IOException, ClassNotFoundException {
    List<String> classes;
    if (Files.isDirectory(location)) {
      try (Stream<Path> files = Files.walk(location)) {
        classes = files.map(p -> location.relativize(p).toString().replace('\\', '/')).toList();
      }
    } else {
      try (JarFile jar = new JarFile(location.toFile())) {
        classes = Collections.list(jar.entries()).stream().map(e -> e.getName()).toList();
      }
    }
    Set<String> packages = new TreeSet<>();
    for (String name : classes) {
      if (!name.endsWith(".class") || name.contains("$") || name.endsWith("package-info.class")
          || name.endsWith("module-info.class")) {
        continue;
      }
      Class<?> c = Class.forName(name.substring(0, name.length() - ".class".length()).replace('/', '.'), false,
          JShellScriptsTest.class.getClassLoader());
      if (Modifier.isPublic(c.getModifiers()) && !c.getPackageName().contains(".internal")) {
        packages.add(c.getPackageName());
      }
    }
    return packages;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "plan.jsh     | plan.batches().size()                       | 6          | estimate: 6 batches, ~36m of fleet time",
      "rehearse.jsh | rollout.status().toString()                 | \"COMPLETED\" | COMPLETED in 30m47s (plan ~36m)",
      "diagnose.jsh | diagnosis.cause().toString()                | \"NEW_IMAGE\" | Diagnosis: NEW_IMAGE - 6 of 6 upgraded instances failed",
      "whatif.jsh   | comparison.rows().size()                    | 4          | maxBatchInstancePercent 10",
  })
  void script_runsToItsExit_andPrintsWhatItPromises(String script, String expression, String value, String printed)
      throws IOException {
    try (JShellScripts jshell = new JShellScripts()) {
      jshell.run(JShellScripts.dir().resolve("osupgrade.jsh")).run(JShellScripts.dir().resolve(script));

      assertThat(jshell.problems()).isEmpty();
      assertThat(jshell.exited()).as("%s ends with /exit", script).isTrue();
      assertThat(jshell.value(expression)).isEqualTo(value);
      assertThat(jshell.output()).contains(printed);
    }
  }
}
