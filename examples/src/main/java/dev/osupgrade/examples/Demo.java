package dev.osupgrade.examples;

/** The demo: a simulated fleet rollout. */
public final class Demo {
  private Demo() {}

  /**
   * Runs the demo.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    System.out.println("osupgrade demo");
  }
}
