package dev.p2p.relay;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.PeerId;
import dev.p2p.relay.internal.RelayProtocol;
import dev.p2p.relay.internal.RelaySettings;
import dev.p2p.relay.internal.RelaySocketKind;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Configures a {@link RelayServer}. Defaults follow iroh's relay: 64 KiB packets, 512-packet queue
 * per client, ping every 15 s, 2 s write timeout; the read rate limit is off unless set.
 */
public final class RelayServerBuilder {
  public static final String HOST = "P2P_RELAY_HOST";
  public static final String PORT = "P2P_RELAY_PORT";
  public static final String STUN_PORT = "P2P_RELAY_STUN_PORT";

  /** Shared secret clients must present at login; unset means anyone may log in. */
  public static final String TOKEN = "P2P_RELAY_TOKEN";

  /** Comma-separated peer ids refused at login. */
  public static final String BANNED = "P2P_RELAY_BANNED";

  public static final String TLS_CERT = "P2P_RELAY_TLS_CERT";
  public static final String TLS_KEY = "P2P_RELAY_TLS_KEY";
  public static final String MAX_PACKET_SIZE = "P2P_RELAY_MAX_PACKET_SIZE";
  public static final String QUEUE_PACKETS = "P2P_RELAY_QUEUE_PACKETS";
  public static final String QUEUE_BYTES = "P2P_RELAY_QUEUE_BYTES";
  public static final String BYTES_PER_SECOND = "P2P_RELAY_BYTES_PER_SECOND";
  public static final String BURST_BYTES = "P2P_RELAY_BURST_BYTES";
  public static final String MAX_CLIENTS = "P2P_RELAY_MAX_CLIENTS";

  /** Connections not yet logged in (HTTP, upgrade, login) at once; more are closed on accept. */
  public static final String MAX_PENDING = "P2P_RELAY_MAX_PENDING";

  public static final String IDLE_TIMEOUT_MS = "P2P_RELAY_IDLE_TIMEOUT_MS";

  /**
   * The sockets' Netty transport: {@code auto} (epoll on Linux, else NIO), {@code epoll}, {@code
   * nio}.
   */
  public static final String TRANSPORT = "P2P_RELAY_TRANSPORT";

  /**
   * Event-loop threads (default: one per core). A packet between clients on different loops costs a
   * hand-over to the destination's thread, a wake-up of it when it sleeps; one thread avoids that
   * at the cost of one core for all forwarding (benchmarks/RESULTS.md, session 8).
   */
  public static final String THREADS = "P2P_RELAY_THREADS";

  /**
   * How long (µs, 0-10000; 0 = sleep at once) an event loop that ran out of work keeps polling
   * before it sleeps, as the QUIC provider's loops do ({@code P2P_QUIC_BUSY_POLL_US}). A packet for
   * a client on another loop is then taken without waking that loop's thread: the relay path's
   * 64-byte round trip in {@code TransportBenchmark} fell from 106-111 to 44-57 µs (p50,
   * benchmarks/RESULTS.md, session 9). The price is CPU after each burst of work, up to this long
   * per loop; the poll yields between looks, and an idle relay sleeps.
   */
  public static final String BUSY_POLL_US = "P2P_RELAY_BUSY_POLL_US";

  public static final String PING_INTERVAL_MS = "P2P_RELAY_PING_INTERVAL_MS";
  public static final String WRITE_TIMEOUT_MS = "P2P_RELAY_WRITE_TIMEOUT_MS";
  public static final String LOGIN_TIMEOUT_MS = "P2P_RELAY_LOGIN_TIMEOUT_MS";

  public static final int DEFAULT_QUEUE_PACKETS = 512;
  public static final long DEFAULT_QUEUE_BYTES = 4L << 20;
  public static final int DEFAULT_MAX_CLIENTS = 200_000;
  public static final int DEFAULT_MAX_PENDING = 1024;
  public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(15);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_LOGIN_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BUSY_POLL = Duration.ofNanos(50_000);

  /**
   * The kernel send buffer toward each client. Left to autotuning (up to {@code tcp_wmem}, 4 MB) it
   * becomes a standing queue ahead of a slow reader that nothing drops from: QUIC through the relay
   * then measured 20-200 ms round trips on loopback (its congestion control sees no loss), and its
   * flow-control window divided by that round trip capped the transfer. Bounded, the backlog stays
   * in the per-client queue, which is bounded and drops.
   */
  public static final int DEFAULT_SOCKET_SEND_BUFFER = 256 << 10;

  String host = "127.0.0.1";
  int port = 0;
  int stunPort = 0;
  File tlsCert;
  File tlsKey;
  int workerThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
  int socketSendBuffer = DEFAULT_SOCKET_SEND_BUFFER;
  Duration busyPoll = DEFAULT_BUSY_POLL;
  RelaySocketKind socketKind = RelaySocketKind.choose(TRANSPORT, "auto");
  private String accessToken;
  private final List<PeerId> banned = new ArrayList<>();
  private int maxPacketSize = RelayProtocol.DEFAULT_MAX_PACKET_SIZE;
  private int queuePackets = DEFAULT_QUEUE_PACKETS;
  private long queueBytes = DEFAULT_QUEUE_BYTES;
  private long bytesPerSecond = 0;
  private long burstBytes = 0;
  private int maxClients = DEFAULT_MAX_CLIENTS;
  private int maxPending = DEFAULT_MAX_PENDING;
  private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
  private Duration pingInterval = DEFAULT_PING_INTERVAL;
  private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
  private Duration loginTimeout = DEFAULT_LOGIN_TIMEOUT;
  private LongSupplier ticker = System::nanoTime;

  RelayServerBuilder() {}

  /**
   * Reads the {@code P2P_RELAY_*} keys (host, ports, token, ban list, TLS, limits); later builder
   * calls override them.
   *
   * @throws ConfigurationException naming the key and the accepted range if a value is malformed
   */
  public RelayServerBuilder config(P2PConfig c) {
    c.get(HOST).map(String::strip).filter(s -> !s.isEmpty()).ifPresent(this::host);
    port = c.getInt(PORT, port, 0, 65535);
    stunPort = c.getInt(STUN_PORT, stunPort, -1, 65535);
    c.get(TOKEN).filter(s -> !s.isBlank()).ifPresent(this::accessToken);
    c.get(BANNED).ifPresent(list -> parseBanned(list));
    Optional<String> cert = c.get(TLS_CERT);
    Optional<String> key = c.get(TLS_KEY);
    if (cert.isPresent() != key.isPresent()) {
      throw new ConfigurationException(
          "set both " + TLS_CERT + " and " + TLS_KEY + " to serve TLS, or neither");
    }
    cert.ifPresent(path -> tls(new File(path), new File(key.get())));
    maxPacketSize = c.getInt(MAX_PACKET_SIZE, maxPacketSize, 1200, 1 << 20);
    queuePackets = c.getInt(QUEUE_PACKETS, queuePackets, 1, 1 << 16);
    queueBytes = c.getLong(QUEUE_BYTES, queueBytes, 64 * 1024, 1L << 30);
    bytesPerSecond = c.getLong(BYTES_PER_SECOND, bytesPerSecond, 0, 1L << 40);
    burstBytes = c.getLong(BURST_BYTES, burstBytes, 0, 1L << 40);
    maxClients = c.getInt(MAX_CLIENTS, maxClients, 1, 10_000_000);
    maxPending = c.getInt(MAX_PENDING, maxPending, 1, 1_000_000);
    Duration day = Duration.ofDays(1);
    idleTimeout = c.getMillis(IDLE_TIMEOUT_MS, idleTimeout, Duration.ofMillis(100), day);
    pingInterval = c.getMillis(PING_INTERVAL_MS, pingInterval, Duration.ofMillis(50), day);
    writeTimeout = c.getMillis(WRITE_TIMEOUT_MS, writeTimeout, Duration.ofMillis(50), day);
    loginTimeout = c.getMillis(LOGIN_TIMEOUT_MS, loginTimeout, Duration.ofMillis(50), day);
    c.get(TRANSPORT).ifPresent(v -> socketKind = RelaySocketKind.choose(TRANSPORT, v));
    workerThreads = c.getInt(THREADS, workerThreads, 1, 1024);
    busyPoll =
        Duration.ofNanos(1000 * c.getLong(BUSY_POLL_US, busyPoll.toNanos() / 1000, 0, 10_000));
    return this;
  }

  private void parseBanned(String list) {
    for (String s : list.split(",")) {
      if (s.isBlank()) {
        continue;
      }
      try {
        banned.add(PeerId.parse(s.strip()));
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException(
            BANNED + " must list peer ids separated by commas: " + e.getMessage());
      }
    }
  }

  /**
   * The sockets' Netty transport: {@code auto} (the default: native epoll on Linux, else NIO),
   * {@code epoll} or {@code nio}.
   *
   * @throws ConfigurationException for another value, or {@code epoll} where it cannot load
   */
  public RelayServerBuilder transport(String kind) {
    socketKind = RelaySocketKind.choose("transport", kind);
    return this;
  }

  /** The interface to bind. Default 127.0.0.1; 0.0.0.0 serves other machines. */
  public RelayServerBuilder host(String host) {
    this.host = Objects.requireNonNull(host, "host");
    return this;
  }

  /** The HTTP/WebSocket port; 0 (the default) picks a free one, see {@link RelayServer#url()}. */
  public RelayServerBuilder port(int port) {
    this.port = range("port", port, 0, 65535);
    return this;
  }

  /** The UDP port answering STUN; 0 (the default) picks a free one, -1 disables STUN. */
  public RelayServerBuilder stunPort(int port) {
    this.stunPort = range("stun port", port, -1, 65535);
    return this;
  }

  /** Requires this shared token at login (clients set {@code P2P_RELAY_TOKEN}). */
  public RelayServerBuilder accessToken(String token) {
    Objects.requireNonNull(token, "token");
    if (token.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        > RelayProtocol.MAX_TOKEN_LENGTH) {
      throw new IllegalArgumentException(
          "an access token has at most " + RelayProtocol.MAX_TOKEN_LENGTH + " bytes");
    }
    this.accessToken = token;
    return this;
  }

  /** Refuses these peers at login. */
  public RelayServerBuilder ban(PeerId... peers) {
    banned.addAll(Arrays.asList(peers));
    return this;
  }

  /** Serves TLS (https/wss) with this certificate chain and PKCS#8 private key, both PEM. */
  public RelayServerBuilder tls(File certChainPem, File privateKeyPem) {
    this.tlsCert = Objects.requireNonNull(certChainPem, "certChainPem");
    this.tlsKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
    return this;
  }

  /** The largest packet payload a client may send. Default 64 KiB. */
  public RelayServerBuilder maxPacketSize(int bytes) {
    this.maxPacketSize = range("max packet size", bytes, 1200, 1 << 20);
    return this;
  }

  /**
   * The queue toward each client: at most {@code packets} frames and {@code bytes} bytes not yet
   * written to its socket; more are dropped and counted. Default 512 packets, 4 MiB.
   */
  public RelayServerBuilder queue(int packets, long bytes) {
    this.queuePackets = range("queue packets", packets, 1, 1 << 16);
    if (bytes < 64 * 1024 || bytes > 1L << 30) {
      throw new IllegalArgumentException("queue bytes must be 64 KiB..1 GiB, got " + bytes);
    }
    this.queueBytes = bytes;
    return this;
  }

  /**
   * Each client's token bucket: reads from a client past {@code burstBytes} are paused until it is
   * back under {@code bytesPerSecond} (TCP pushes back; nothing is dropped). 0 turns it off (the
   * default); a burst of 0 means one second's worth.
   */
  public RelayServerBuilder rateLimit(long bytesPerSecond, long burstBytes) {
    if (bytesPerSecond < 0 || burstBytes < 0) {
      throw new IllegalArgumentException("rate and burst must be >= 0");
    }
    this.bytesPerSecond = bytesPerSecond;
    this.burstBytes = burstBytes;
    return this;
  }

  /** The most clients logged in at once; further logins are refused with SERVER_FULL. */
  public RelayServerBuilder maxClients(int max) {
    this.maxClients = range("max clients", max, 1, 10_000_000);
    return this;
  }

  /**
   * The most connections that have not logged in yet (plain HTTP requests included); a connection
   * past it is closed as soon as it is accepted, so a flood of idle sockets cannot pile up behind
   * the login timeout. Default 1024.
   */
  public RelayServerBuilder maxPending(int max) {
    this.maxPending = range("max pending", max, 1, 1_000_000);
    return this;
  }

  /** A client that sends nothing, pongs included, for this long is closed. Default 60 s. */
  public RelayServerBuilder idleTimeout(Duration d) {
    this.idleTimeout = positive(d, "idle timeout");
    return this;
  }

  /** After this long without a frame from a client, the relay pings it. Default 15 s. */
  public RelayServerBuilder pingInterval(Duration d) {
    this.pingInterval = positive(d, "ping interval");
    return this;
  }

  /** A client that takes none of what is written to it for this long is closed. Default 2 s. */
  public RelayServerBuilder writeTimeout(Duration d) {
    this.writeTimeout = positive(d, "write timeout");
    return this;
  }

  /** The upgrade and login must complete within this. Default 10 s. */
  public RelayServerBuilder loginTimeout(Duration d) {
    this.loginTimeout = positive(d, "login timeout");
    return this;
  }

  /** The nanosecond clock of the rate limiter; tests pass a fake. */
  public RelayServerBuilder ticker(LongSupplier nanoTicker) {
    this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
    return this;
  }

  /** Event-loop threads ({@link #THREADS}). Default: one per core. */
  public RelayServerBuilder workerThreads(int threads) {
    this.workerThreads = range("worker threads", threads, 1, 1024);
    return this;
  }

  /**
   * How long an event loop out of work polls before it sleeps ({@link #BUSY_POLL_US}); {@link
   * Duration#ZERO} sleeps at once. Default {@link #DEFAULT_BUSY_POLL}.
   */
  public RelayServerBuilder busyPoll(Duration d) {
    Objects.requireNonNull(d, "busyPoll");
    if (d.isNegative() || d.compareTo(Duration.ofMillis(10)) > 0) {
      throw new IllegalArgumentException("busy poll must be 0..10 ms, got " + d);
    }
    this.busyPoll = d;
    return this;
  }

  /**
   * The kernel send buffer of each client socket ({@code SO_SNDBUF}); 0 leaves it to the kernel's
   * autotuning. Default {@value #DEFAULT_SOCKET_SEND_BUFFER}: see {@link
   * #DEFAULT_SOCKET_SEND_BUFFER}. Raise it for clients far away that need more than about 2 x
   * buffer / round trip per second.
   */
  public RelayServerBuilder socketSendBuffer(int bytes) {
    this.socketSendBuffer = bytes == 0 ? 0 : range("socket send buffer", bytes, 4096, 1 << 30);
    return this;
  }

  /** A server with these settings, not yet bound: call {@link RelayServer#start()}. */
  public RelayServer build() {
    long burst = bytesPerSecond == 0 ? 0 : burstBytes > 0 ? burstBytes : bytesPerSecond;
    // A burst smaller than one frame would pause a client on every frame: at least one frame.
    burst = bytesPerSecond == 0 ? 0 : Math.max(burst, maxPacketSize + 64L);
    RelaySettings s =
        new RelaySettings(
            maxPacketSize,
            queuePackets,
            Math.max(queueBytes, maxPacketSize + 64L),
            bytesPerSecond,
            burst,
            maxClients,
            maxPending,
            idleTimeout,
            pingInterval.compareTo(idleTimeout) < 0 ? pingInterval : idleTimeout,
            writeTimeout,
            loginTimeout,
            Optional.ofNullable(accessToken),
            ticker);
    return new RelayServer(this, s, List.copyOf(banned));
  }

  private static int range(String what, int v, int min, int max) {
    if (v < min || v > max) {
      throw new IllegalArgumentException(what + " must be " + min + ".." + max + ", got " + v);
    }
    return v;
  }

  private static Duration positive(Duration d, String what) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }
}
