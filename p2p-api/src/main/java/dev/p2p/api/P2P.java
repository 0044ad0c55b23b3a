package dev.p2p.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Entry point: opens the configured provider.
 *
 * <pre>{@code
 * try (P2PProvider p2p = P2P.open()) {   // P2P_IMPLEMENTATION=simulator|quic|tunnel
 *   P2PListener listener = p2p.listen("127.0.0.1:0").join();
 *   ...
 * }
 * }</pre>
 *
 * The provider is the one named by the configuration ({@code P2P_IMPLEMENTATION}, where a system
 * property overrides the environment), or else the available one with the highest priority.
 */
public final class P2P {
  private P2P() {}

  /** {@code open(P2PConfig.fromEnvironment())}. */
  public static P2PProvider open() {
    return open(P2PConfig.fromEnvironment());
  }

  /**
   * Opens a provider.
   *
   * @throws ConfigurationException if the named provider is unknown or unavailable, or none is on
   *     the class path
   */
  public static P2PProvider open(P2PConfig config) {
    return factory(config).create(config);
  }

  /** The names of the providers that can run here, highest priority first. */
  public static List<String> providers() {
    return available().stream().map(P2PProviderFactory::name).toList();
  }

  /** The factory {@link #open(P2PConfig)} would use. */
  public static P2PProviderFactory factory(P2PConfig config) {
    List<P2PProviderFactory> available = available();
    Optional<String> wanted = config.implementation();
    if (wanted.isPresent()) {
      for (P2PProviderFactory f : available) {
        if (f.name().equalsIgnoreCase(wanted.get())) {
          return f;
        }
      }
      throw new ConfigurationException(
          "unknown P2P implementation '"
              + wanted.get()
              + "'; available: "
              + describe(available)
              + " (set P2P_IMPLEMENTATION to one of them)");
    }
    if (available.isEmpty()) {
      throw new ConfigurationException(
          "no P2P provider on the class path: add p2p-simulator, p2p-quic or p2p-tunnel-compat");
    }
    return available.get(0);
  }

  private static List<P2PProviderFactory> available() {
    List<P2PProviderFactory> result = new ArrayList<>();
    for (P2PProviderFactory f : ServiceLoader.load(P2PProviderFactory.class, classLoader())) {
      if (f.isAvailable()) {
        result.add(f);
      }
    }
    result.sort(
        Comparator.comparingInt(P2PProviderFactory::priority)
            .reversed()
            .thenComparing(P2PProviderFactory::name));
    return result;
  }

  private static ClassLoader classLoader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : P2P.class.getClassLoader();
  }

  private static String describe(List<P2PProviderFactory> factories) {
    if (factories.isEmpty()) {
      return "none (no provider module on the class path)";
    }
    return String.join(", ", factories.stream().map(P2PProviderFactory::name).toList());
  }
}
