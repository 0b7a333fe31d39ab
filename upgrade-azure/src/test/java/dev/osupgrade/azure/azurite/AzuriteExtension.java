package dev.osupgrade.azure.azurite;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class the one {@link Azurite} of the test run: started by the first class that needs it, stopped
 * when the run ends (JUnit closes it with the root context). Injects it as a parameter. Where Azurite cannot run
 * (no Node, or installed with {@code -Dazurite.skip}) the class is skipped, saying why; under {@code CI=true} it
 * fails instead, because CI must run these tests.
 *
 * <pre>{@code
 * @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
 * }</pre>
 */
public final class AzuriteExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Azurite.class);
  private static final AtomicBoolean TOLD = new AtomicBoolean();

  /** Creates the extension. */
  public AzuriteExtension() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    Azurite.whyUnavailable().ifPresent(why -> {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException("CI must run the blob store tests, but " + why);
      }
      String message = "blob store tests skipped: " + why;
      if (!TOLD.getAndSet(true)) {
        System.err.println("[WARNING] " + message); // surefire reports a skipped class only as "Tests run: 0"
      }
      Assumptions.abort(message);
    });
    azurite(context);
  }

  /**
   * @param context any context of the run
   * @return the run's Azurite, started on first use
   */
  public Azurite azurite(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Azurite.class, k -> Azurite.start(),
        Azurite.class);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Azurite.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return azurite(context);
  }
}
