package dev.p2p.testkit.lab;

/** The kernel NAT lab cannot be built on this machine; the message says why and what to do. */
public final class LabUnavailableException extends Exception {
  public LabUnavailableException(String message) {
    super(message);
  }
}
