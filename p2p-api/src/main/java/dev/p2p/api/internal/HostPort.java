package dev.p2p.api.internal;

/**
 * The {@code host:port} text providers take in addresses and settings ({@code [::1]:7000} for
 * IPv6). Only the syntax is checked here; each provider adds its own rules (is an empty host or
 * port 0 allowed, is the host resolved).
 *
 * @param host the host without brackets, possibly empty ({@code ":7000"})
 * @param port 0 to 65535
 */
public record HostPort(String host, int port) {

  /**
   * Splits {@code text} at its last colon.
   *
   * @throws IllegalArgumentException if there is no colon or the port is not 0 to 65535
   */
  public static HostPort parse(String text) {
    String s = text.strip();
    int colon = s.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("no ':' before the port");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the port is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("the port is not from 0 to 65535");
    }
    return new HostPort(host, port);
  }
}
