package dev.p2p.relay.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Birthday-paradox punching (Tailscale's analysis) in plain UDP, for the lab: the side whose
 * mapping varies per destination ("hard") opens {@value #HARD_SOCKETS} sockets, each sending one
 * PUNCH to the other side's reflexive address, so its NAT holds that many mappings toward it; the
 * "easy" side (endpoint-independent mapping) sends {@value #EASY_PROBES} PUNCHes to distinct random
 * ports of the hard side's public address. A probe that hits a mapping gets through; the answers
 * (ACK, and an ACK back) confirm both directions. Expected per attempt: 1 - (1 - 256/64512)^1024,
 * about 98%.
 */
final class BirthdayPunch {
  static final int HARD_SOCKETS = 256;
  static final int EASY_PROBES = 1024;
  private static final long LISTEN_NANOS = 3_000_000_000L;

  private BirthdayPunch() {}

  /** The hard side: many sockets toward {@code peer}; returns the agent's RESULT text. */
  static String hard(String pair, InetSocketAddress peer, Runnable opened) throws IOException {
    List<DatagramChannel> channels = new ArrayList<>();
    try (Selector selector = Selector.open()) {
      ByteBuffer punch = ascii("PUNCH " + pair);
      for (int i = 0; i < HARD_SOCKETS; i++) {
        DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(0));
        channels.add(ch);
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ);
        ch.send(punch.duplicate(), peer);
      }
      opened.run();
      return listen(pair, selector, System.nanoTime());
    } finally {
      for (DatagramChannel ch : channels) {
        ch.close();
      }
    }
  }

  /** The easy side: probes from {@code ch} (the socket whose reflexive address the peer has). */
  static String easy(String pair, DatagramChannel ch, InetAddress hardPublic) throws IOException {
    List<Integer> ports = new ArrayList<>();
    for (int p = 1024; p <= 65535; p++) {
      ports.add(p);
    }
    Collections.shuffle(ports);
    ByteBuffer punch = ascii("PUNCH " + pair);
    long start = System.nanoTime();
    ch.configureBlocking(true); // a full send buffer waits instead of dropping a probe
    for (int i = 0; i < EASY_PROBES; i++) {
      ch.send(punch.duplicate(), new InetSocketAddress(hardPublic, ports.get(i)));
      if (i % 32 == 31) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // paced: ~32 probes/ms
      }
    }
    try (Selector selector = Selector.open()) {
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_READ);
      return listen(pair, selector, start);
    }
  }

  /**
   * Answers PUNCH with ACK and a first ACK with an ACK back; DIRECT once an ACK came (so the path
   * works both ways), FAILED after the listening time.
   */
  private static String listen(String pair, Selector selector, long start) throws IOException {
    ByteBuffer in = ByteBuffer.allocate(100);
    ByteBuffer ack = ascii("ACK " + pair);
    long deadline = start + LISTEN_NANOS;
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return "FAILED";
      }
      selector.select(left);
      for (SelectionKey key : selector.selectedKeys()) {
        DatagramChannel ch = (DatagramChannel) key.channel();
        in.clear();
        SocketAddress from;
        while ((from = ch.receive(in)) != null) {
          String msg = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
          in.clear();
          if (msg.equals("PUNCH " + pair)) {
            ch.send(ack.duplicate(), from);
          } else if (msg.equals("ACK " + pair)) {
            ch.send(ack.duplicate(), from); // the peer learns its direction works too
            InetSocketAddress a = (InetSocketAddress) from;
            return "DIRECT "
                + a.getAddress().getHostAddress()
                + ":"
                + a.getPort()
                + " in "
                + (System.nanoTime() - start) / 1_000_000
                + " ms";
          }
        }
      }
      selector.selectedKeys().clear();
    }
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
  }
}
