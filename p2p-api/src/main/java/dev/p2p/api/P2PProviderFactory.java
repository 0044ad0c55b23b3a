package dev.p2p.api;

/**
 * Service-provider interface: a transport registers an implementation in {@code
 * META-INF/services/dev.p2p.api.P2PProviderFactory} and {@link P2P} finds it with {@link
 * java.util.ServiceLoader}.
 */
public interface P2PProviderFactory {

  /** The name users select it by, e.g. {@code "quic"}. Lower case. */
  String name();

  /** Among available factories, the highest priority is chosen when none is named. */
  int priority();

  /** False if the transport cannot run here (e.g. a native library is missing). */
  boolean isAvailable();

  /**
   * Creates a provider.
   *
   * @throws ConfigurationException if a configuration value is malformed
   */
  P2PProvider create(P2PConfig config);
}
