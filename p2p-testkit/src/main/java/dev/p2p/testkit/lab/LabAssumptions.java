package dev.p2p.testkit.lab;

import org.junit.jupiter.api.Assumptions;

/** How a lab test skips where the lab cannot be made: with the reason printed, then aborted. */
public final class LabAssumptions {
  private LabAssumptions() {}

  /**
   * Aborts the calling test (JUnit's assumption failure) when {@link NatLab#unavailableReason()}
   * names a reason, after printing {@code SKIPPED <test>: <reason>} so a CI log shows why.
   */
  public static void assumeLabAvailable(Class<?> test) {
    NatLab.unavailableReason()
        .ifPresent(
            reason -> {
              System.out.println("SKIPPED " + test.getSimpleName() + ": " + reason);
              Assumptions.abort(reason);
            });
  }
}
