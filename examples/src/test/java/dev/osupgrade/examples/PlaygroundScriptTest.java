package dev.osupgrade.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Runs examples/jshell/playground.jsh through the JShell API after the startup script, as a user would. */
final class PlaygroundScriptTest {

  @Test
  void playground_everySnippet_evaluatesWithoutErrorAndEndsWithACompletedRollout() throws IOException {
    try (JShellScripts jshell = new JShellScripts()) {
      jshell.run(JShellScripts.dir().resolve("osupgrade.jsh")).run(JShellScripts.dir().resolve("playground.jsh"));

      assertThat(jshell.problems()).isEmpty();
      assertThat(jshell.exited()).as("the playground leaves the shell to the user").isFalse();
      assertThat(jshell.value("rollout.status().toString()")).isEqualTo("\"COMPLETED\"");
      assertThat(jshell.value("plan.batches().size()")).isEqualTo("6");
    }
  }
}
