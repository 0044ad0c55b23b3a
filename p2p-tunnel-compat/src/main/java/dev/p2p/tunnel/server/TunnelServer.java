package dev.p2p.tunnel.server;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.NetworkException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.PeerId;
import dev.p2p.tunnel.internal.NamedThreadFactory;
import dev.p2p.tunnel.internal.TunnelProtocol;
import dev.p2p.tunnel.server.internal.ServerChannelInitializer;
import dev.p2p.tunnel.server.internal.ServerCore;
import dev.p2p.tunnel.server.internal.ServerSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.File;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tunnel server: clients register their {@link PeerId} (proving they own the key), ask for
 * connections to other registered peers, and the server relays their data frames.
 *
 * <pre>{@code
 * try (TunnelServer server = TunnelServer.builder().port(0).start()) {
 *   int port = server.port();   // the port actually bound
 *   ...
 * }
 * }</pre>
 *
 * Every client is protected from the others: per-peer connection and rate limits (reads are paused,
 * nothing is dropped), a maximum frame size, a bounded queue toward each client, an idle timeout
 * and a ban list.
 */
public final class TunnelServer implements AutoCloseable {
  /** Shared secret a client must present to register; unset means anyone may register. */
  public static final String TOKEN = "P2P_TUNNEL_TOKEN";

  public static final String MAX_CONNECTIONS_PER_PEER = "P2P_TUNNEL_MAX_CONNECTIONS_PER_PEER";
  public static final String MAX_BYTES_PER_SECOND = "P2P_TUNNEL_MAX_BYTES_PER_SECOND";
  public static final String BURST_BYTES = "P2P_TUNNEL_BURST_BYTES";
  public static final String MAX_FRAME_SIZE = "P2P_TUNNEL_MAX_FRAME_SIZE";
  public static final String MAX_QUEUED_BYTES = "P2P_TUNNEL_MAX_QUEUED_BYTES";
  public static final String IDLE_TIMEOUT_MS = "P2P_TUNNEL_IDLE_TIMEOUT_MS";
  public static final String STALE_TIMEOUT_MS = "P2P_TUNNEL_STALE_TIMEOUT_MS";

  /** Comma-separated peer ids refused at registration. */
  public static final String BANNED = "P2P_TUNNEL_BANNED";

  public static final String TLS_CERT = "P2P_TUNNEL_TLS_CERT";
  public static final String TLS_KEY = "P2P_TUNNEL_TLS_KEY";

  /** Default {@link Builder#maxFrameSize}: 1 MiB, as iroh's relay. */
  public static final int DEFAULT_MAX_FRAME_SIZE = 1024 * 1024;

  /** Default {@link Builder#maxQueuedBytesPerPeer}. */
  public static final int DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;

  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  private static final Logger log = LoggerFactory.getLogger(TunnelServer.class);

  private final EventLoopGroup group;
  private final Channel serverChannel;
  private final ServerCore core;
  private final ScheduledFuture<?> cleanup;
  private final InetSocketAddress localAddress;
  private volatile boolean closed;

  private TunnelServer(
      EventLoopGroup group, Channel serverChannel, ServerCore core, Duration cleanupInterval) {
    this.group = group;
    this.serverChannel = serverChannel;
    this.core = core;
    this.localAddress = (InetSocketAddress) serverChannel.localAddress();
    long every = cleanupInterval.toNanos();
    this.cleanup =
        group.next().scheduleAtFixedRate(core::cleanupStale, every, every, TimeUnit.NANOSECONDS);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The address actually bound. */
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** The port actually bound (useful after {@code port(0)}). */
  public int port() {
    return localAddress.getPort();
  }

  /** The relay book-keeping: connections, their states and counters. */
  public RelayManager relayManager() {
    return core.relay();
  }

  /** True if {@code peer} is registered now. */
  public boolean isRegistered(PeerId peer) {
    return core.isRegistered(peer);
  }

  public int registeredPeerCount() {
    return core.registeredCount();
  }

  /** Bytes queued toward {@code peer} that its socket has not taken yet. */
  public long queuedBytesTo(PeerId peer) {
    return core.queuedBytesTo(peer);
  }

  /** Bans a peer: its session (if any) is closed and it cannot register again. */
  public void ban(PeerId peer) {
    core.ban(peer);
  }

  public void unban(PeerId peer) {
    core.unban(peer);
  }

  public boolean isBanned(PeerId peer) {
    return core.isBanned(peer);
  }

  /** Tells every client the server is shutting down, closes them and releases the threads. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    cleanup.cancel(false);
    serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    for (ChannelFuture f : core.shutdown("the tunnel server is shutting down")) {
      f.awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    core.relay().shutdown();
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    log.info("tunnel server on {} closed", localAddress);
  }

  /** Configures and starts a {@link TunnelServer}. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 0;
    private String accessToken;
    private int maxConnectionsPerPeer = 256;
    private long bytesPerSecondPerPeer = 0;
    private long burstBytesPerPeer = -1;
    private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    private int maxQueuedBytesPerPeer = DEFAULT_MAX_QUEUED_BYTES;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration registrationTimeout = Duration.ofSeconds(10);
    private Duration staleTimeout = RelayManager.DEFAULT_STALE_TIMEOUT;
    private Duration cleanupInterval = RelayManager.CLEANUP_INTERVAL;
    private LongSupplier ticker = System::nanoTime;
    private int workerThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private final List<PeerId> banned = new ArrayList<>();
    private File tlsCert;
    private File tlsKey;

    private Builder() {}

    /**
     * Reads the {@code P2P_TUNNEL_*} settings of a configuration (token, limits, ban list, TLS);
     * later builder calls override them.
     *
     * @throws ConfigurationException naming the key if a value is malformed
     */
    public Builder config(P2PConfig config) {
      config.get(TOKEN).filter(s -> !s.isBlank()).ifPresent(this::accessToken);
      maxConnectionsPerPeer =
          config.getInt(MAX_CONNECTIONS_PER_PEER, maxConnectionsPerPeer, 1, 1 << 20);
      bytesPerSecondPerPeer =
          config.getLong(MAX_BYTES_PER_SECOND, bytesPerSecondPerPeer, 0, Long.MAX_VALUE / 4);
      burstBytesPerPeer = config.getLong(BURST_BYTES, burstBytesPerPeer, -1, Long.MAX_VALUE / 4);
      maxFrameSize = config.getInt(MAX_FRAME_SIZE, maxFrameSize, 4096, 64 << 20);
      maxQueuedBytesPerPeer = config.getInt(MAX_QUEUED_BYTES, maxQueuedBytesPerPeer, 4096, 1 << 30);
      idleTimeout =
          config.getMillis(
              IDLE_TIMEOUT_MS, idleTimeout, Duration.ofMillis(100), Duration.ofDays(1));
      staleTimeout =
          config.getMillis(
              STALE_TIMEOUT_MS, staleTimeout, Duration.ofSeconds(1), Duration.ofDays(7));
      config
          .get(BANNED)
          .ifPresent(
              list ->
                  Arrays.stream(list.split(","))
                      .map(String::strip)
                      .filter(s -> !s.isEmpty())
                      .forEach(
                          s -> {
                            try {
                              banned.add(PeerId.parse(s));
                            } catch (IllegalArgumentException e) {
                              throw new ConfigurationException(
                                  BANNED
                                      + " must list peer ids separated by commas: "
                                      + e.getMessage());
                            }
                          }));
      Optional<String> cert = config.get(TLS_CERT);
      Optional<String> key = config.get(TLS_KEY);
      if (cert.isPresent() != key.isPresent()) {
        throw new ConfigurationException(
            "set both " + TLS_CERT + " and " + TLS_KEY + " to enable TLS, or neither");
      }
      if (cert.isPresent()) {
        tls(new File(cert.get()), new File(key.get()));
      }
      return this;
    }

    /** The interface to bind. Default 127.0.0.1; use 0.0.0.0 to serve other machines. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port to bind; 0 (the default) picks a free one, see {@link TunnelServer#port()}. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /** Require this shared token at registration (clients set {@code P2P_TUNNEL_TOKEN}). */
    public Builder accessToken(String token) {
      this.accessToken = Objects.requireNonNull(token, "token");
      return this;
    }

    /** The most relayed connections one peer may be an end of. Default 256. */
    public Builder maxConnectionsPerPeer(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxConnectionsPerPeer must be >= 1, got " + max);
      }
      this.maxConnectionsPerPeer = max;
      return this;
    }

    /**
     * The sustained rate each peer may send at, in bytes per second; reads from a faster peer are
     * paused (TCP pushes back), nothing is dropped. 0 (the default) means unlimited.
     */
    public Builder maxBytesPerSecondPerPeer(long bytesPerSecond) {
      if (bytesPerSecond < 0) {
        throw new IllegalArgumentException("bytes per second must be >= 0");
      }
      this.bytesPerSecondPerPeer = bytesPerSecond;
      return this;
    }

    /** How many bytes a peer may send at once before its rate applies. Default: one second's. */
    public Builder burstBytesPerPeer(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("burst must be >= 1 byte");
      }
      this.burstBytesPerPeer = bytes;
      return this;
    }

    /** The largest frame a registered client may send. Default 1 MiB. */
    public Builder maxFrameSize(int bytes) {
      if (bytes < 4096) {
        throw new IllegalArgumentException("max frame size must be >= 4096, got " + bytes);
      }
      this.maxFrameSize = bytes;
      return this;
    }

    /**
     * The outbound queue toward one client. While it is full, peers sending to that client are
     * paused. Default 1 MiB.
     */
    public Builder maxQueuedBytesPerPeer(int bytes) {
      if (bytes < 4096) {
        throw new IllegalArgumentException("max queued bytes must be >= 4096, got " + bytes);
      }
      this.maxQueuedBytesPerPeer = bytes;
      return this;
    }

    /** A client that sends nothing (not even a ping) for this long is closed. Default 60 s. */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = positive(timeout, "idle timeout");
      return this;
    }

    /** A client must finish registering within this time. Default 10 s. */
    public Builder registrationTimeout(Duration timeout) {
      this.registrationTimeout = positive(timeout, "registration timeout");
      return this;
    }

    /** Relay connections idle this long are removed. Default 5 minutes. */
    public Builder staleTimeout(Duration timeout) {
      this.staleTimeout = positive(timeout, "stale timeout");
      return this;
    }

    /** How often stale connections are looked for. Default 10 s. */
    public Builder cleanupInterval(Duration interval) {
      this.cleanupInterval = positive(interval, "cleanup interval");
      return this;
    }

    /** Refuses these peers at registration. */
    public Builder ban(PeerId... peers) {
      banned.addAll(Arrays.asList(peers));
      return this;
    }

    /** Serve TLS with this certificate chain and PKCS#8 private key (both PEM). */
    public Builder tls(File certChainPem, File privateKeyPem) {
      this.tlsCert = Objects.requireNonNull(certChainPem, "certChainPem");
      this.tlsKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      return this;
    }

    /** The nanosecond time source for rate limits and stale connections; tests pass a fake. */
    public Builder ticker(LongSupplier nanoTicker) {
      this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
      return this;
    }

    /** Event-loop threads. Default: one per core. */
    public Builder workerThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("worker threads must be >= 1");
      }
      this.workerThreads = threads;
      return this;
    }

    private static Duration positive(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }

    /**
     * Binds and starts serving.
     *
     * @throws NetworkException if the address cannot be bound (port in use, bad host)
     * @throws ConfigurationException if the TLS files cannot be used
     */
    public TunnelServer start() {
      Optional<SslContext> ssl = Optional.empty();
      if (tlsCert != null) {
        try {
          ssl = Optional.of(SslContextBuilder.forServer(tlsCert, tlsKey).build());
        } catch (SSLException | IllegalArgumentException e) {
          throw new ConfigurationException(
              "cannot use TLS certificate "
                  + tlsCert
                  + " and key "
                  + tlsKey
                  + ": "
                  + e.getMessage()
                  + " (the key must be PKCS#8 PEM)",
              e);
        }
      }
      long burst = burstBytesPerPeer > 0 ? burstBytesPerPeer : Math.max(bytesPerSecondPerPeer, 1);
      ServerSettings settings =
          new ServerSettings(
              Optional.ofNullable(accessToken),
              maxFrameSize,
              maxQueuedBytesPerPeer,
              bytesPerSecondPerPeer,
              Math.max(burst, TunnelProtocol.MAX_UNREGISTERED_FRAME_SIZE),
              idleTimeout,
              registrationTimeout.compareTo(idleTimeout) < 0 ? registrationTimeout : idleTimeout,
              cleanupInterval,
              ticker);
      RelayManager relay =
          RelayManager.builder()
              .ticker(ticker)
              .staleTimeout(staleTimeout)
              .maxConnectionsPerPeer(maxConnectionsPerPeer)
              .build();
      ServerCore core = new ServerCore(settings, relay, banned);
      EventLoopGroup group =
          new MultiThreadIoEventLoopGroup(
              workerThreads,
              new NamedThreadFactory("p2p-tunnel-server"),
              NioIoHandler.newFactory());
      ServerBootstrap bootstrap =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_REUSEADDR, true)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childOption(
                  ChannelOption.WRITE_BUFFER_WATER_MARK,
                  new WriteBufferWaterMark(maxQueuedBytesPerPeer / 2, maxQueuedBytesPerPeer))
              .childHandler(new ServerChannelInitializer(core, ssl));
      ChannelFuture bind = bootstrap.bind(host, port);
      if (!bind.awaitUninterruptibly(10, TimeUnit.SECONDS) || !bind.isSuccess()) {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        Throwable cause = bind.cause();
        throw new NetworkException(
            "cannot listen on "
                + host
                + ":"
                + port
                + (cause == null ? " (timed out)" : ": " + cause.getMessage())
                + "; choose another port or stop the process using it",
            cause);
      }
      TunnelServer server = new TunnelServer(group, bind.channel(), core, cleanupInterval);
      log.info("tunnel server listening on {}", server.localAddress());
      return server;
    }
  }
}
