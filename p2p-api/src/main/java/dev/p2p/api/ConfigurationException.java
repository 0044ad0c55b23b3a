package dev.p2p.api;

/** A configuration value is missing, malformed or out of range. */
public class ConfigurationException extends P2PException {
  private static final long serialVersionUID = 1L;

  public ConfigurationException(String message) {
    super(message);
  }

  public ConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}
