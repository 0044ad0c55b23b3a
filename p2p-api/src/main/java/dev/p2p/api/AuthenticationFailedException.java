package dev.p2p.api;

/** The remote side could not prove it owns the expected peer key. */
public class AuthenticationFailedException extends ConnectionFailedException {
  private static final long serialVersionUID = 1L;

  public AuthenticationFailedException(String message) {
    super(message);
  }

  public AuthenticationFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
