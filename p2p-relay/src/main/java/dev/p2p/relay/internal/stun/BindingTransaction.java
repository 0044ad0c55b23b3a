package dev.p2p.relay.internal.stun;

import dev.p2p.relay.internal.StunCodec;
import dev.p2p.relay.internal.StunMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

/**
 * One STUN Binding transaction, without I/O: the owner of a UDP socket (the QUIC provider's, or
 * {@link StunRound}'s) sends {@link #request()} when {@link #nextSendAt} comes, hands it every
 * datagram that {@link StunPackets#mayBeStun may be STUN}, and reads {@link #result} when done.
 * Time is the caller's {@code System.nanoTime()}-like clock, so it also runs on virtual time.
 *
 * <p>Only a success or error response from the server's own address with this transaction's random
 * id completes it; anything else is ignored, so junk or a spoofed answer without the id cannot.
 */
public final class BindingTransaction {
  private static final Random IDS = new SecureRandom();

  private final InetSocketAddress server;
  private final byte[] transactionId = new byte[12];
  private final byte[] request;
  private final long initialRtoNanos;
  private final int maxSends;
  private int sends;
  private long firstSentAt;
  private long lastSentAt;
  private BindingResult result;

  /**
   * @param initialRto the wait before the first retransmission; it doubles after each (RFC 8489
   *     recommends 500 ms on the Internet)
   * @param maxSends requests at most (RFC 8489: 7); then it waits for the caller's deadline
   */
  public BindingTransaction(InetSocketAddress server, Duration initialRto, int maxSends) {
    if (server.isUnresolved()) {
      throw new IllegalArgumentException(
          "STUN server " + server + " is unresolved; resolve it first");
    }
    if (initialRto.isNegative() || initialRto.isZero() || maxSends < 1) {
      throw new IllegalArgumentException(
          "initialRto must be positive and maxSends at least 1: " + initialRto + ", " + maxSends);
    }
    this.server = server;
    this.initialRtoNanos = initialRto.toNanos();
    this.maxSends = maxSends;
    IDS.nextBytes(transactionId);
    this.request = StunPackets.bindingRequest(transactionId);
  }

  public InetSocketAddress server() {
    return server;
  }

  /** The request datagram to send (a fresh read-only view each time). */
  public ByteBuffer request() {
    return ByteBuffer.wrap(request).asReadOnlyBuffer();
  }

  /**
   * When the next request is due, on the caller's clock: now if none was sent; {@link
   * Long#MAX_VALUE} once done or every send is spent.
   */
  public long nextSendAt(long now) {
    if (result != null || sends >= maxSends) {
      return Long.MAX_VALUE;
    }
    if (sends == 0) {
      return now;
    }
    return lastSentAt + (initialRtoNanos << Math.min(sends - 1, 20));
  }

  /** Records that {@link #request()} was sent at {@code now}. */
  public void sent(long now) {
    if (sends == 0) {
      firstSentAt = now;
    }
    sends++;
    lastSentAt = now;
  }

  /**
   * Offers a received datagram. Returns true if it completed this transaction (then {@link #result}
   * is set); false for anything else, which the caller may pass on (it is not consumed).
   */
  public boolean offer(ByteBuffer datagram, InetSocketAddress from, long now) {
    if (result != null || sends == 0 || !server.equals(from) || !StunPackets.mayBeStun(datagram)) {
      return false;
    }
    ByteBuf buf = Unpooled.wrappedBuffer(datagram.duplicate());
    StunMessage m = StunCodec.decode(buf);
    if (m == null
        || m.classic()
        || m.method() != StunMessage.METHOD_BINDING
        || !Arrays.equals(m.transactionId(), transactionId)) {
      return false;
    }
    Duration rtt = Duration.ofNanos(Math.max(0, now - firstSentAt));
    if (m.messageClass() == StunMessage.CLASS_ERROR) {
      result =
          new BindingResult(
              server, BindingResult.Outcome.ERROR_RESPONSE, Optional.empty(), rtt, sends);
      return true;
    }
    if (m.messageClass() != StunMessage.CLASS_SUCCESS || !m.unknown().isEmpty()) {
      // RFC 8489 6.3.3: a success with unknown comprehension-required attributes is discarded.
      return false;
    }
    InetSocketAddress mapped = StunCodec.mappedAddress(buf);
    if (mapped == null || mapped.getPort() == 0) {
      return false;
    }
    result =
        new BindingResult(server, BindingResult.Outcome.ANSWERED, Optional.of(mapped), rtt, sends);
    return true;
  }

  public boolean done() {
    return result != null;
  }

  /**
   * The result if done; otherwise a time-out (what the caller reports once its deadline passed).
   */
  public BindingResult result() {
    if (result != null) {
      return result;
    }
    return new BindingResult(
        server, BindingResult.Outcome.TIMED_OUT, Optional.empty(), Duration.ZERO, sends);
  }
}
