package dev.p2p.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
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
      ConnectCommand.class,
      SendCommand.class,
      ReceiveCommand.class,
      TunnelServerCommand.class,
      RelayCommand.class,
      NetcheckCommand.class
    })
public final class Main {

  /** Library INFO logs are noise in a command's output; -D...defaultLogLevel=info shows them. */
  private static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

  public static void main(String[] args) {
    if (System.getProperty(LOG_LEVEL) == null) {
      System.setProperty(LOG_LEVEL, "warn");
    }
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (for tests). */
  public static int run(String... args) {
    return run(
        new PrintWriter(System.out, true, StandardCharsets.UTF_8),
        new PrintWriter(System.err, true, StandardCharsets.UTF_8),
        args);
  }

  /** Runs the command line writing to the given streams; returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return new CommandLine(new Main())
        .setOut(out)
        .setErr(err)
        .setExecutionExceptionHandler(new CliErrorHandler())
        .execute(args);
  }
}
