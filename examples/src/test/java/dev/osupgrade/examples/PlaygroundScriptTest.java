package dev.osupgrade.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.Test;

/** Runs examples/playground.jsh through the JShell API, snippet by snippet, as a user would. */
final class PlaygroundScriptTest {

  @Test
  void playground_everySnippet_evaluatesWithoutErrorAndEndsWithACompletedRollout() throws IOException {
    String script = Files.readString(Path.of("playground.jsh"), StandardCharsets.UTF_8);
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> problems = new ArrayList<>();
    try (JShell shell = JShell.builder().executionEngine("local")
        .compilerOptions("--class-path", classPath).build()) {
      shell.addToClasspath(classPath);
      SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
      String remaining = script;
      while (!remaining.isBlank()) {
        SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
        for (SnippetEvent e : shell.eval(info.source())) {
          if (e.status() == Snippet.Status.REJECTED || e.exception() != null) {
            problems.add(info.source().strip() + " -> " + e.status() + " "
                + shell.diagnostics(e.snippet()).map(d -> d.getMessage(null)).toList() + " " + e.exception());
          }
        }
        remaining = info.remaining();
      }
      assertThat(problems).isEmpty();
      // With the local execution engine System.out is the test's own, so ask the session for its variables.
      assertThat(shell.eval("rollout.status().toString()").get(0).value()).isEqualTo("\"COMPLETED\"");
      assertThat(shell.eval("plan.batches().size()").get(0).value()).isEqualTo("6");
    }
  }
}
