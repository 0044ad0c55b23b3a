package dev.p2p.testkit.nat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A {@link UserSpaceNat} with real UDP sockets on loopback, for in-process NAT matrices of real
 * network stacks. The host behind it does not send on its own socket: a seam in front of that
 * socket hands each outbound datagram to {@link #send} with its real destination, and the NAT sends
 * it from one real socket per mapping, bound to {@code publicAddress:port}, so the other side sees
 * the mapped source. Datagrams arriving at those sockets are filtered and handed back through the
 * {@link Inside} attached for the internal endpoint, with their real source.
 *
 * <p>Mappings expire {@link NatConfig#mappingTimeout} after the last outbound datagram (RFC 4787
 * REQ-6); the next one gets a new mapping, on a new port unless the port assignment preserves it: a
 * NAT rebinding. {@link #outage} drops everything both ways for a while, so a mapping can time out
 * in the middle of a transfer. Destinations that {@code unroutable} matches (the private side of
 * every NAT in the test) are dropped, as the Internet drops private addresses.
 *
 * <p>One selector thread per NAT reads the public sockets; {@link #send} may be called from any
 * thread.
 */
public final class LoopbackNat implements AutoCloseable {
  /** Where datagrams for one internal endpoint are handed back. Called on the NAT's thread. */
  public interface Inside {
    void receive(InetSocketAddress from, byte[] datagram);
  }

  private static final int MAX_DATAGRAM = 65_535;

  /** Ports tried for one new mapping before its datagram is dropped as unroutable. */
  private static final int BIND_ATTEMPTS = 16;

  private final UserSpaceNat nat; // guarded by this
  private final Predicate<InetSocketAddress> unroutable;
  private final Map<Integer, DatagramChannel> sockets = new HashMap<>(); // guarded by this
  private final Map<InetSocketAddress, Inside> insides = new ConcurrentHashMap<>();
  private final Queue<DatagramChannel> toRegister = new ConcurrentLinkedQueue<>();
  private final Selector selector;
  private final Thread reader;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong filtered = new AtomicLong();
  private volatile boolean outage;
  private volatile boolean closed;

  public LoopbackNat(NatConfig config, Predicate<InetSocketAddress> unroutable) {
    this.nat = new UserSpaceNat(config);
    this.unroutable = unroutable;
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.reader = new Thread(this::readLoop, "loopback-nat-" + config.publicAddress());
    reader.setDaemon(true);
    reader.start();
  }

  public NatConfig config() {
    return nat.config();
  }

  /** Datagrams from the outside to {@code internal} go to {@code inside}. */
  public void attach(InetSocketAddress internal, Inside inside) {
    insides.put(internal, inside);
  }

  /**
   * While on, every datagram is dropped both ways and no mapping is refreshed (a cable pulled, a
   * Wi-Fi gap): mappings older than the timeout are gone when it ends.
   */
  public void outage(boolean on) {
    outage = on;
  }

  /**
   * Every mapping is gone at once, as when the router reboots: {@link UserSpaceNat#forgetMappings}.
   */
  public synchronized void forgetMappings() {
    nat.forgetMappings();
  }

  /** Datagrams dropped: outage, unroutable destination, no port left, or a socket error. */
  public long dropped() {
    return dropped.get();
  }

  /** Inbound datagrams the filtering (or a lapsed mapping) turned away. */
  public long filtered() {
    return filtered.get();
  }

  /**
   * Sends {@code datagram} (its remaining bytes) from {@code internal} out to {@code destination}.
   */
  public void send(InetSocketAddress internal, InetSocketAddress destination, ByteBuffer datagram) {
    if (outage || closed || unroutable.test(destination)) {
      dropped.incrementAndGet();
      return;
    }
    DatagramChannel socket = null;
    synchronized (this) {
      for (int attempt = 0; socket == null && attempt < BIND_ATTEMPTS; attempt++) {
        Optional<InetSocketAddress> source = nat.outbound(internal, destination, System.nanoTime());
        if (source.isEmpty()) {
          break;
        }
        socket = socketFor(source.get());
        if (socket == null) {
          // Another socket on this machine holds the port: map to another one, as a router would.
          nat.portUnusable(source.get().getPort());
        }
      }
    }
    if (socket == null) {
      dropped.incrementAndGet();
      return;
    }
    try {
      socket.send(datagram, destination);
    } catch (IOException e) {
      dropped.incrementAndGet();
    }
  }

  private DatagramChannel socketFor(InetSocketAddress publicEndpoint) {
    DatagramChannel s = sockets.get(publicEndpoint.getPort());
    if (s != null) {
      return s;
    }
    try {
      s = DatagramChannel.open(StandardProtocolFamily.INET);
      s.bind(publicEndpoint);
      s.configureBlocking(false);
      s.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
      s.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 4 << 20);
    } catch (IOException e) {
      // The port is taken by another socket on this machine; the caller maps to another.
      closeQuietly(s);
      return null;
    }
    sockets.put(publicEndpoint.getPort(), s);
    toRegister.add(s);
    selector.wakeup();
    return s;
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    while (!closed) {
      try {
        selector.select(100);
        for (DatagramChannel s; (s = toRegister.poll()) != null; ) {
          s.register(selector, SelectionKey.OP_READ);
        }
        for (SelectionKey key : selector.selectedKeys()) {
          drain((DatagramChannel) key.channel(), buf);
        }
        selector.selectedKeys().clear();
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          dropped.incrementAndGet();
        }
      }
    }
  }

  private void drain(DatagramChannel s, ByteBuffer buf) throws IOException {
    InetSocketAddress local = (InetSocketAddress) s.getLocalAddress();
    for (int i = 0; i < 256; i++) {
      buf.clear();
      InetSocketAddress from = (InetSocketAddress) s.receive(buf);
      if (from == null) {
        return;
      }
      if (outage) {
        dropped.incrementAndGet();
        continue;
      }
      Optional<InetSocketAddress> internal;
      synchronized (this) {
        internal = nat.inbound(from, local, System.nanoTime());
      }
      Inside inside = internal.map(insides::get).orElse(null);
      if (inside == null) {
        filtered.incrementAndGet();
        continue;
      }
      buf.flip();
      byte[] datagram = new byte[buf.remaining()];
      buf.get(datagram);
      inside.receive(from, datagram);
    }
  }

  /**
   * Addresses in 127.{@code second}.0.0/16: a test that puts the private side of every NAT there.
   */
  public static Predicate<InetSocketAddress> loopbackSubnet(int second) {
    return a -> {
      InetAddress ip = a.getAddress();
      byte[] b = ip.getAddress();
      return b.length == 4 && b[0] == 127 && (b[1] & 0xff) == second;
    };
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      reader.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      sockets.values().forEach(LoopbackNat::closeQuietly);
      sockets.clear();
    }
    try {
      selector.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  private static void closeQuietly(DatagramChannel s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // nothing left to do
      }
    }
  }
}
