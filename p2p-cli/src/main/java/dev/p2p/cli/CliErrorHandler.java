package dev.p2p.cli;

import dev.p2p.api.P2PException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a user-caused error into one line on stderr and exit code 2, instead of a stack trace.
 * Unexpected errors still print their trace: they are bugs.
 */
final class CliErrorHandler implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    if (e instanceof P2PException || e instanceof IllegalArgumentException) {
      cmd.getErr().println("p2p: " + e.getMessage());
      return 2;
    }
    cmd.getErr().println("p2p: unexpected error, please report it:");
    e.printStackTrace(cmd.getErr());
    return 1;
  }
}
