package dev.p2p.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code p2p} command. Each subcommand lives in its own class. */
@Command(
    name = "p2p",
    mixinStandardHelpOptions = true,
    version = "p2p 0.1.0",
    description = "Peer-to-peer transport: demos, peers and servers.",
    subcommands = {
      DemoCommand.class,
      KeygenCommand.class,
      ListenCommand.class,
      ConnectCommand.class
    })
public final class Main {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (for tests). */
  public static int run(String... args) {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(new CliErrorHandler())
        .execute(args);
  }
}
