package dev.p2p.relay;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.NetworkException;
import dev.p2p.api.PeerId;
import dev.p2p.relay.internal.RelayChannelInitializer;
import dev.p2p.relay.internal.RelayCore;
import dev.p2p.relay.internal.RelayProtocol;
import dev.p2p.relay.internal.RelaySettings;
import dev.p2p.relay.internal.StunHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A relay: peers log in over a WebSocket at {@code /relay} by proving their Ed25519 key, then send
 * each other opaque packets by {@link PeerId}; it also answers STUN Binding requests on a UDP port,
 * serves {@code /healthz} and Prometheus {@code /metrics}. The wire protocol is in
 * p2p-relay/README.md.
 *
 * <pre>{@code
 * try (RelayServer relay = RelayServer.builder().config(P2PConfig.fromEnvironment()).build().start()) {
 *   URI url = relay.url();                     // http://127.0.0.1:PORT, what clients configure
 *   InetSocketAddress stun = relay.stunAddress().orElseThrow();
 * }
 * }</pre>
 *
 * No client can slow or break another: each has a bounded queue (drops, counted, when full), an
 * optional read rate limit (TCP back-pressure), a packet size limit, idle and write timeouts.
 */
public final class RelayServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RelayServer.class);

  private final RelayServerBuilder builder;
  private final RelayCore core;
  private EventLoopGroup group;
  private Channel tcp;
  private Channel udp;
  private URI url;
  private volatile boolean closed;

  RelayServer(RelayServerBuilder builder, RelaySettings settings, List<PeerId> banned) {
    this.builder = builder;
    this.core = new RelayCore(settings, banned);
  }

  public static RelayServerBuilder builder() {
    return new RelayServerBuilder();
  }

  /**
   * Binds the HTTP/WebSocket port and the STUN port and starts serving.
   *
   * @throws NetworkException if a port cannot be bound (in use, bad host): choose another
   * @throws ConfigurationException if the TLS files cannot be used
   * @throws IllegalStateException if already started or closed
   */
  public synchronized RelayServer start() {
    if (group != null || closed) {
      throw new IllegalStateException("a relay server starts once");
    }
    Optional<SslContext> ssl = sslContext();
    group =
        new MultiThreadIoEventLoopGroup(
            builder.workerThreads,
            new DefaultThreadFactory("p2p-relay"),
            builder.socketKind.ioHandlerFactory(builder.busyPoll.toNanos()));
    try {
      ServerBootstrap b =
          new ServerBootstrap()
              .group(group)
              .channel(builder.socketKind.serverChannel())
              .option(ChannelOption.SO_REUSEADDR, true)
              .option(ChannelOption.SO_BACKLOG, 4096)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childOption(
                  ChannelOption.SO_SNDBUF,
                  builder.socketSendBuffer > 0 ? builder.socketSendBuffer : null)
              .childOption(ChannelOption.SO_KEEPALIVE, true)
              .childHandler(new RelayChannelInitializer(core, ssl));
      tcp = bind(b.bind(builder.host, builder.port), "relay port " + builder.port);
      if (builder.stunPort >= 0) {
        Bootstrap u =
            new Bootstrap()
                .group(group)
                .channel(builder.socketKind.datagramChannel())
                .handler(new StunHandler(core.metrics()));
        udp = bind(u.bind(builder.host, builder.stunPort), "STUN port " + builder.stunPort);
        core.stunPort(((InetSocketAddress) udp.localAddress()).getPort());
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    InetSocketAddress local = (InetSocketAddress) tcp.localAddress();
    // Name the host as configured (a wildcard as loopback), so the URL reads as the user wrote it.
    String host = builder.host.strip();
    if (local.getAddress().isAnyLocalAddress()) {
      host = local.getAddress() instanceof java.net.Inet6Address ? "::1" : "127.0.0.1";
    }
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    url = URI.create((ssl.isPresent() ? "https://" : "http://") + host + ":" + local.getPort());
    log.info("relay serving {} (WebSocket {}), STUN {}", url, RelayProtocol.PATH, stunAddress());
    return this;
  }

  private Channel bind(ChannelFuture f, String what) {
    f.awaitUninterruptibly(10, TimeUnit.SECONDS);
    if (!f.isSuccess()) {
      Throwable cause = f.cause();
      throw new NetworkException(
          "cannot bind the "
              + what
              + " on "
              + builder.host
              + (cause == null ? " (timed out)" : ": " + cause.getMessage())
              + "; choose another port, or 0 for a free one",
          cause);
    }
    return f.channel();
  }

  private Optional<SslContext> sslContext() {
    if (builder.tlsCert == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(SslContextBuilder.forServer(builder.tlsCert, builder.tlsKey).build());
    } catch (SSLException | IllegalArgumentException e) {
      throw new ConfigurationException(
          "cannot use TLS certificate "
              + builder.tlsCert
              + " and key "
              + builder.tlsKey
              + ": "
              + e.getMessage()
              + " (both PEM, the key PKCS#8)",
          e);
    }
  }

  /**
   * The relay's base URL, {@code http://host:port} or {@code https://…} with TLS: what clients list
   * in {@code P2P_RELAY_SERVERS}. The WebSocket is at this URL's {@link RelayProtocol#PATH}. A
   * wildcard bind (0.0.0.0) is named 127.0.0.1 here.
   */
  public URI url() {
    requireStarted();
    return url;
  }

  /** The local address of the HTTP/WebSocket port actually bound. */
  public InetSocketAddress localAddress() {
    requireStarted();
    return (InetSocketAddress) tcp.localAddress();
  }

  /** The UDP address answering STUN, empty if STUN was disabled ({@code stunPort(-1)}). */
  public Optional<InetSocketAddress> stunAddress() {
    requireStarted();
    return Optional.ofNullable(udp).map(c -> (InetSocketAddress) c.localAddress());
  }

  /** Clients logged in now. */
  public int clientCount() {
    return core.clientCount();
  }

  public boolean isLoggedIn(PeerId peer) {
    return core.isLoggedIn(peer);
  }

  /** Bans {@code peer}: its session, if any, is closed with a reason and later logins refused. */
  public void ban(PeerId peer) {
    core.ban(peer);
  }

  public void unban(PeerId peer) {
    core.unban(peer);
  }

  /** The current metrics in Prometheus text format, as {@code /metrics} serves them. */
  public String metricsText() {
    return new String(core.metrics().scrape(), java.nio.charset.StandardCharsets.UTF_8);
  }

  private void requireStarted() {
    if (tcp == null) {
      throw new IllegalStateException("start() the relay server first");
    }
  }

  /**
   * Stops accepting, tells every client the relay is shutting down (a reason frame), closes them
   * and releases the threads. Idempotent; returns within about 10 s whatever the clients do.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (tcp != null) {
      tcp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    if (udp != null) {
      udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    long deadline = System.nanoTime() + core.settings().writeTimeout().plusSeconds(1).toNanos();
    for (ChannelFuture f : core.shutdown()) {
      f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    log.info("relay {} closed", url);
  }
}
