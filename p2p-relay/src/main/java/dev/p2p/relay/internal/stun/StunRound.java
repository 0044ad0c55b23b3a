package dev.p2p.relay.internal.stun;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binding transactions to several servers at once from one socket, so the results show whether the
 * socket's mapping varies by destination. Ends when every server answered or at the deadline.
 * Datagrams that match no transaction are dropped: run it before the socket carries other traffic,
 * or drive {@link BindingTransaction}s from the socket's own read loop instead.
 */
public final class StunRound {
  private static final Logger log = LoggerFactory.getLogger(StunRound.class);

  /** RFC 8489's values: first retransmission after 500 ms, doubling, 7 sends at most. */
  public static final Duration DEFAULT_INITIAL_RTO = Duration.ofMillis(500);

  public static final int DEFAULT_MAX_SENDS = 7;

  private StunRound() {}

  /** Runs with RFC 8489's retransmission timing, for at most {@code timeout}. */
  public static List<BindingResult> run(
      DatagramIo io, List<InetSocketAddress> servers, Duration timeout) throws IOException {
    return run(io, servers, timeout, DEFAULT_INITIAL_RTO, DEFAULT_MAX_SENDS);
  }

  /**
   * @return one result per server, in the order given
   * @throws IOException if the socket fails to receive (a failed send only counts as a lost
   *     request)
   */
  public static List<BindingResult> run(
      DatagramIo io,
      List<InetSocketAddress> servers,
      Duration timeout,
      Duration initialRto,
      int maxSends)
      throws IOException {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException(
          "no STUN servers given: pass at least one (a relay's STUN address), two to classify the NAT");
    }
    List<BindingTransaction> txs = new ArrayList<>();
    for (InetSocketAddress s : servers) {
      txs.add(new BindingTransaction(s, initialRto, maxSends));
    }
    ByteBuffer buf = ByteBuffer.allocate(1500);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long now = System.nanoTime();
      long next = deadline;
      boolean pending = false;
      for (BindingTransaction tx : txs) {
        if (tx.done()) {
          continue;
        }
        pending = true;
        if (tx.nextSendAt(now) <= now) {
          send(io, tx, now);
        }
        next = Math.min(next, tx.nextSendAt(now));
      }
      if (!pending || now >= deadline) {
        break;
      }
      InetSocketAddress from = io.receive(buf, Math.max(0, next - now));
      if (from != null) {
        long at = System.nanoTime();
        boolean matched = false;
        for (BindingTransaction tx : txs) {
          if (tx.offer(buf, from, at)) {
            matched = true;
            break;
          }
        }
        if (!matched) {
          log.debug(
              "ignored a {}-byte datagram from {}: no STUN transaction matches",
              buf.remaining(),
              from);
        }
      }
    }
    List<BindingResult> out = new ArrayList<>();
    for (BindingTransaction tx : txs) {
      out.add(tx.result());
    }
    return out;
  }

  private static void send(DatagramIo io, BindingTransaction tx, long now) {
    try {
      io.send(tx.request(), tx.server());
    } catch (IOException e) {
      // Unreachable network and the like: as good as lost; the retransmission timer still runs.
      log.debug("STUN request to {} failed: {}", tx.server(), e.toString());
    }
    tx.sent(now);
  }
}
