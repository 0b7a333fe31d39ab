package dev.osupgrade.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;

/**
 * Runs JShell scripts through the JShell API the way the {@code jshell} tool loads a file: line by line, each line
 * added to the snippet in progress, which is evaluated as soon as it is complete (so a line that ends a statement ends
 * it, as in the tool); {@code /exit} ends the run. What the scripts print is kept ({@link #output()}).
 */
final class JShellScripts implements AutoCloseable {
  private final JShell shell;
  private final List<String> problems = new ArrayList<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private boolean exited;

  JShellScripts() {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    shell = JShell.builder().executionEngine("local").compilerOptions("--class-path", classPath).build();
    shell.addToClasspath(classPath);
  }

  /** The directory of the scripts, {@code examples/jshell} (tests run in {@code examples}). */
  static Path dir() {
    return Path.of("jshell");
  }

  /** Evaluates a script file to its end or its {@code /exit}; returns this. */
  JShellScripts run(Path script) throws IOException {
    if (exited) {
      problems.add(script + ": not run, an earlier script exited");
      return this;
    }
    SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
    PrintStream saved = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      String pending = "";
      for (String line : Files.readAllLines(script, StandardCharsets.UTF_8)) {
        if (exited) {
          if (!line.isBlank()) {
            problems.add(script + ": a line after /exit: " + line);
          }
          continue;
        }
        String stripped = line.strip();
        if (pending.isBlank() && stripped.startsWith("/") && !stripped.startsWith("//")
            && !stripped.startsWith("/*")) {
          if (line.strip().equals("/exit")) {
            exited = true;
          } else {
            problems.add(script + ": a command these tests do not run: " + line);
          }
          continue;
        }
        pending = pending.isEmpty() ? line : pending + "\n" + line;
        while (!pending.isBlank()) {
          SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(pending);
          if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
            pending = "";
          } else if (info.completeness().isComplete()) {
            eval(script, info.source());
            pending = info.remaining();
          } else if (info.completeness() == SourceCodeAnalysis.Completeness.UNKNOWN) {
            problems.add(script + ": not Java: " + pending.strip());
            pending = "";
          } else {
            break;
          }
        }
      }
      if (!pending.isBlank()) {
        problems.add(script + ": ends inside a snippet: " + pending.strip());
      }
    } finally {
      System.out.flush();
      System.setOut(saved);
    }
    return this;
  }

  private void eval(Path script, String source) {
    for (SnippetEvent e : shell.eval(source)) {
      if (e.status() == Snippet.Status.REJECTED || e.exception() != null) {
        problems.add(script + ": " + source.strip() + " -> " + e.status() + " "
            + shell.diagnostics(e.snippet()).map(d -> d.getMessage(null)).toList() + " " + e.exception());
      }
    }
  }

  /** @return what went wrong: rejected snippets, exceptions, unknown commands, lines after /exit */
  List<String> problems() {
    return problems;
  }

  /** @return whether a script ended with {@code /exit} */
  boolean exited() {
    return exited;
  }

  /** @return what the scripts printed */
  String output() {
    return out.toString(StandardCharsets.UTF_8);
  }

  /** @return the value of an expression in the session, as JShell shows it */
  String value(String expression) {
    return shell.eval(expression).get(0).value();
  }

  @Override
  public void close() {
    shell.close();
  }
}
