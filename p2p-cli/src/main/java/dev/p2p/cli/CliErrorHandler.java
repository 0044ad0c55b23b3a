package dev.p2p.cli;

import dev.p2p.api.P2PException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an error the user can cause into one line on stderr and a non-zero exit, whatever future
 * wrapped it: 1 for a transfer that failed, 2 for a command that could not run (bad input, nothing
 * to connect to). Anything else is a bug and keeps its stack trace.
 */
final class CliErrorHandler implements IExecutionExceptionHandler {
  static final int TRANSFER_FAILED = 1;
  static final int CANNOT_RUN = 2;

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    Throwable t = unwrap(e);
    if (t instanceof TransferFailedException) {
      return oneLine(cmd, t.getMessage(), TRANSFER_FAILED);
    }
    if (t instanceof P2PException || t instanceof IllegalArgumentException) {
      return oneLine(cmd, t.getMessage(), CANNOT_RUN);
    }
    if (t instanceof FileSystemException f) {
      return oneLine(cmd, describe(f), CANNOT_RUN);
    }
    cmd.getErr().println("p2p: unexpected error, please report it:");
    e.printStackTrace(cmd.getErr());
    return 1;
  }

  /** The exception a future wrapped, however deep. */
  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String describe(FileSystemException f) {
    if (f instanceof NoSuchFileException) {
      return f.getFile() + ": no such file or directory";
    }
    if (f instanceof AccessDeniedException) {
      return f.getFile() + ": permission denied";
    }
    return f.getMessage();
  }

  private static int oneLine(CommandLine cmd, String message, int code) {
    String text = String.valueOf(message).replaceAll("\\s*\\R\\s*", "; ");
    cmd.getErr().println("p2p: " + text);
    cmd.getErr().flush();
    return code;
  }
}
