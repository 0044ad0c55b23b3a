package dev.p2p.cli;

/** Where the demo's server listens, per provider. */
final class DemoAddresses {
  private DemoAddresses() {}

  static String listen(String provider) {
    return switch (provider) {
      case "quic" -> "127.0.0.1:0";
      case "tunnel" -> "";
      default -> "demo";
    };
  }
}
