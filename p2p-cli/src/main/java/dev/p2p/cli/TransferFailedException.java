package dev.p2p.cli;

/**
 * A transfer that was not delivered and verified. Its message is the one line the user sees; the
 * command exits with status 1.
 */
final class TransferFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  TransferFailedException(String message) {
    super(message);
  }
}
