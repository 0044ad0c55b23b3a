package dev.p2p.relay.internal;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The relay's Prometheus metrics, in a registry of its own (so several relays in one JVM do not
 * collide). Data points with labels are resolved once here, not per packet.
 */
public final class RelayMetrics {
  /** Why a packet was not delivered. */
  public enum Drop {
    /** The destination's queue was full (a slow or stalled reader). */
    QUEUE_FULL,
    /**
     * The destination's queue had held its packets longer than the delay target (a reader slower
     * than its senders): dropped early, so the senders' congestion control slows down.
     */
    QUEUE_DELAY,
    /** The destination is not logged in; the sender got a peer-gone frame. */
    NO_DESTINATION,
    /** The destination's connection closed before the packet was written. */
    DESTINATION_CLOSED;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final CounterDataPoint packetsForwarded;
  private final CounterDataPoint bytesForwarded;
  private final CounterDataPoint batchesWhole;
  private final CounterDataPoint batchesSplit;
  private final Map<Drop, CounterDataPoint> drops = new EnumMap<>(Drop.class);
  private final Map<CloseReason, CounterDataPoint> authFailures = new EnumMap<>(CloseReason.class);
  private final Map<CloseReason, CounterDataPoint> closes = new EnumMap<>(CloseReason.class);
  private final CounterDataPoint logins;
  private final CounterDataPoint rateLimited;
  private final Gauge rateLimitedClients;
  private final CounterDataPoint stunRequests;
  private final CounterDataPoint stunInvalid;
  private final CounterDataPoint internalErrors;
  private final CounterDataPoint pendingRefused;

  public RelayMetrics(IntSupplier clients) {
    GaugeWithCallback.builder()
        .name("p2p_relay_clients")
        .help("Clients logged in now")
        .callback(cb -> cb.call(clients.getAsInt()))
        .register(registry);
    packetsForwarded =
        Counter.builder()
            .name("p2p_relay_packets_forwarded")
            .help("Packets written to their destination")
            .register(registry);
    bytesForwarded =
        Counter.builder()
            .name("p2p_relay_bytes_forwarded")
            .help("Payload bytes of the packets written to their destination")
            .register(registry);
    Counter batches =
        Counter.builder()
            .name("p2p_relay_batches")
            .help(
                "Batches taken from senders: passed on whole (to protocol-2 clients) or split into"
                    + " packets (for protocol 1)")
            .labelNames("delivery")
            .register(registry);
    batchesWhole = batches.labelValues("whole");
    batchesSplit = batches.labelValues("split");
    Counter dropCounter =
        Counter.builder()
            .name("p2p_relay_packets_dropped")
            .help("Packets not delivered, by reason")
            .labelNames("reason")
            .register(registry);
    for (Drop d : Drop.values()) {
      drops.put(d, dropCounter.labelValues(d.label()));
    }
    Counter authCounter =
        Counter.builder()
            .name("p2p_relay_auth_failures")
            .help("Logins refused, by reason")
            .labelNames("reason")
            .register(registry);
    Counter closeCounter =
        Counter.builder()
            .name("p2p_relay_sessions_closed")
            .help("Sessions the relay closed with a reason frame, by reason")
            .labelNames("reason")
            .register(registry);
    for (CloseReason r : CloseReason.values()) {
      closes.put(r, closeCounter.labelValues(r.label()));
    }
    for (CloseReason r :
        new CloseReason[] {
          CloseReason.BAD_SIGNATURE,
          CloseReason.BANNED,
          CloseReason.UNAUTHORIZED,
          CloseReason.SERVER_FULL,
          CloseReason.LOGIN_TIMEOUT
        }) {
      authFailures.put(r, authCounter.labelValues(r.label()));
    }
    logins = Counter.builder().name("p2p_relay_logins").help("Logins accepted").register(registry);
    rateLimited =
        Counter.builder()
            .name("p2p_relay_rate_limited")
            .help("Times a client's reads were paused by its token bucket")
            .register(registry);
    rateLimitedClients =
        Gauge.builder()
            .name("p2p_relay_rate_limited_clients")
            .help("Clients whose reads are paused by their token bucket now")
            .register(registry);
    stunRequests =
        Counter.builder()
            .name("p2p_relay_stun_requests")
            .help("STUN Binding requests answered")
            .register(registry);
    pendingRefused =
        Counter.builder()
            .name("p2p_relay_pending_refused")
            .help("Connections closed on accept because too many had not logged in yet")
            .register(registry);
    internalErrors =
        Counter.builder()
            .name("p2p_relay_internal_errors")
            .help("Unexpected exceptions in the relay's own code (a bug; each closed one client)")
            .register(registry);
    stunInvalid =
        Counter.builder()
            .name("p2p_relay_stun_invalid")
            .help("UDP datagrams on the STUN port that were not a valid STUN request")
            .register(registry);
  }

  public void pendingRefused() {
    pendingRefused.inc();
  }

  public void internalError() {
    internalErrors.inc();
  }

  public long internalErrors() {
    return (long) internalErrors.get();
  }

  public void forwarded(int bytes) {
    packetsForwarded.inc();
    bytesForwarded.inc(bytes);
  }

  /** A batch taken from its sender, passed on whole or split. */
  public void batch(boolean whole) {
    (whole ? batchesWhole : batchesSplit).inc();
  }

  public void dropped(Drop reason) {
    drops.get(reason).inc();
  }

  public long drops(Drop reason) {
    return (long) drops.get(reason).get();
  }

  /** A refused login: bad signature, banned, unauthorized, server full or login timeout. */
  public void authFailure(CloseReason reason) {
    authFailures.get(reason).inc();
  }

  public void closed(CloseReason reason) {
    closes.get(reason).inc();
  }

  public void login() {
    logins.inc();
  }

  public void rateLimited(boolean paused) {
    if (paused) {
      rateLimited.inc();
      rateLimitedClients.inc();
    } else {
      rateLimitedClients.dec();
    }
  }

  public void stun(boolean valid) {
    (valid ? stunRequests : stunInvalid).inc();
  }

  /** The Prometheus text exposition (format 0.0.4) of every metric. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }

  public String contentType() {
    return writer.getContentType();
  }
}
