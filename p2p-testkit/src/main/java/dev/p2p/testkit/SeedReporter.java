package dev.p2p.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/** Adds "how to replay" to every failure of a contract test, naming its seed. */
final class SeedReporter implements TestExecutionExceptionHandler {

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    if (context.getTestInstance().orElse(null) instanceof P2PProviderContract contract
        && contract.hasSeed()) {
      failure.addSuppressed(
          new ReplayHint(
              "replay with -D"
                  + TestSeed.PROPERTY
                  + "="
                  + contract.seed()
                  + " -Dtest="
                  + context.getRequiredTestClass().getSimpleName()
                  + "#"
                  + context.getRequiredTestMethod().getName()));
    }
    throw failure;
  }

  /** Carries the replay hint in the failure's report; it has no stack of its own. */
  static final class ReplayHint extends Exception {
    private static final long serialVersionUID = 1L;

    ReplayHint(String message) {
      super(message, null, false, false);
    }
  }
}
