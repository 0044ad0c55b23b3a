package dev.p2p.cli;

import java.io.Console;

/** Whether the user is watching a terminal, which decides if progress bars are drawn. */
final class Terminals {
  private Terminals() {}

  /**
   * True when stdin and stdout are a terminal. Up to Java 21, {@link System#console()} is null
   * otherwise; from Java 22 it may be a console on a pipe too, and {@code Console.isTerminal()}
   * (looked up by reflection, this code targets 17) tells.
   */
  static boolean interactive() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // Java 17 to 21: a non-null console is a terminal
    }
  }
}
