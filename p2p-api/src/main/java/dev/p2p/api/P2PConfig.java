package dev.p2p.api;

import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Immutable key/value configuration. Keys are held in environment-variable form ({@code
 * SIMULATOR_P2P_LATENCY_MS}); the system-property form ({@code simulator.p2p.latency.ms}) is
 * accepted everywhere and means the same key.
 *
 * <p>Only keys that name p2p settings are read from the environment: those starting with {@code
 * P2P_} or containing {@code _P2P_} (and {@code p2p.} / {@code .p2p.} for system properties).
 */
public final class P2PConfig {
  /** Which provider {@link P2P#open(P2PConfig)} creates. */
  public static final String IMPLEMENTATION = "P2P_IMPLEMENTATION";

  /** The largest message a provider accepts, in bytes. */
  public static final String MAX_MESSAGE_SIZE = "P2P_MAX_MESSAGE_SIZE";

  /** Default for {@link #MAX_MESSAGE_SIZE}: 16 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

  private static final P2PConfig EMPTY = new P2PConfig(new TreeMap<>());

  private final Map<String, String> values;

  private P2PConfig(TreeMap<String, String> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  /** A configuration with no keys: every setting takes its default. */
  public static P2PConfig empty() {
    return EMPTY;
  }

  /** Reads the process environment, then lets system properties override it. */
  public static P2PConfig fromEnvironment() {
    return fromEnvironment(System.getenv(), System.getProperties());
  }

  /**
   * Reads the given environment, then lets the given properties override it. For embedding and
   * tests; {@link #fromEnvironment()} passes the process's own.
   */
  public static P2PConfig fromEnvironment(Map<String, String> environment, Properties properties) {
    Builder builder = builder();
    environment.forEach(
        (k, v) -> {
          if (isP2PKey(k)) {
            builder.set(k, v);
          }
        });
    for (String name : properties.stringPropertyNames()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.startsWith("p2p.") || lower.contains(".p2p.")) {
        builder.set(name, properties.getProperty(name));
      }
    }
    return builder.build();
  }

  public static Builder builder() {
    return new Builder(new TreeMap<>());
  }

  /** A builder holding this configuration's values, to override some of them. */
  public Builder toBuilder() {
    return new Builder(new TreeMap<>(values));
  }

  /** Turns {@code simulator.p2p.latency.ms} into {@code SIMULATOR_P2P_LATENCY_MS}. */
  public static String normalizeKey(String key) {
    Objects.requireNonNull(key, "key");
    return key.strip().replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }

  private static boolean isP2PKey(String envKey) {
    String k = envKey.toUpperCase(Locale.ROOT);
    return k.startsWith("P2P_") || k.contains("_P2P_");
  }

  /** The value of a key, if set. */
  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(normalizeKey(key)));
  }

  /** The provider name, if one was configured. */
  public Optional<String> implementation() {
    return get(IMPLEMENTATION).map(s -> s.strip().toLowerCase(Locale.ROOT));
  }

  /** {@link #MAX_MESSAGE_SIZE}, default 16 MiB. */
  public int maxMessageSize() {
    return getInt(MAX_MESSAGE_SIZE, DEFAULT_MAX_MESSAGE_SIZE, 1, Integer.MAX_VALUE - 64);
  }

  /**
   * An integer setting.
   *
   * @throws ConfigurationException naming the key and the accepted range if malformed
   */
  public int getInt(String key, int defaultValue, int min, int max) {
    return (int) getLong(key, defaultValue, min, max);
  }

  /** A long setting; see {@link #getInt}. */
  public long getLong(String key, long defaultValue, long min, long max) {
    Optional<String> raw = get(key);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    long value;
    try {
      value = Long.parseLong(raw.get().strip().replace("_", ""));
    } catch (NumberFormatException e) {
      throw outOfRange(key, raw.get(), "a whole number from " + min + " to " + max);
    }
    if (value < min || value > max) {
      throw outOfRange(key, raw.get(), "a whole number from " + min + " to " + max);
    }
    return value;
  }

  /** A decimal setting; see {@link #getInt}. */
  public double getDouble(String key, double defaultValue, double min, double max) {
    Optional<String> raw = get(key);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    double value;
    try {
      value = Double.parseDouble(raw.get().strip());
    } catch (NumberFormatException e) {
      throw outOfRange(key, raw.get(), "a number from " + min + " to " + max);
    }
    if (!(value >= min && value <= max)) {
      throw outOfRange(key, raw.get(), "a number from " + min + " to " + max);
    }
    return value;
  }

  /** A duration setting given in milliseconds; see {@link #getInt}. */
  public Duration getMillis(String key, Duration defaultValue, Duration min, Duration max) {
    long ms = getLong(key, defaultValue.toMillis(), min.toMillis(), max.toMillis());
    return Duration.ofMillis(ms);
  }

  /** Every key and value, keys in environment form. */
  public Map<String, String> asMap() {
    return values;
  }

  private static ConfigurationException outOfRange(String key, String raw, String expected) {
    String k = normalizeKey(key);
    return new ConfigurationException(
        k
            + " (system property "
            + k.toLowerCase(Locale.ROOT).replace('_', '.')
            + ") must be "
            + expected
            + ", got '"
            + raw
            + "'");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof P2PConfig other && values.equals(other.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  /** Lists the keys only: values may hold secrets such as access tokens. */
  @Override
  public String toString() {
    return "P2PConfig" + values.keySet();
  }

  /** Builds a {@link P2PConfig}. Later calls for the same key win. */
  public static final class Builder {
    private final TreeMap<String, String> values;

    private Builder(TreeMap<String, String> values) {
      this.values = values;
    }

    /** Sets any key, in either environment or system-property form. */
    public Builder set(String key, String value) {
      Objects.requireNonNull(value, "value");
      values.put(normalizeKey(key), value);
      return this;
    }

    /** Removes a key, so its default applies. */
    public Builder unset(String key) {
      values.remove(normalizeKey(key));
      return this;
    }

    /** Selects the provider by name. */
    public Builder implementation(String name) {
      return set(IMPLEMENTATION, name);
    }

    /** Sets {@link #MAX_MESSAGE_SIZE}. */
    public Builder maxMessageSize(int bytes) {
      return set(MAX_MESSAGE_SIZE, Integer.toString(bytes));
    }

    public P2PConfig build() {
      return new P2PConfig(new TreeMap<>(values));
    }
  }
}
