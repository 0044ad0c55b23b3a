package dev.p2p.quic.internal.path;

import dev.p2p.identity.Ed25519Identity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.quic.QuicResetTokenGenerator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * QUIC stateless resets (RFC 9000 §10.3) that survive a restart: the token is derived from the
 * provider's private key, so a process restarted with the same key file answers packets of
 * connections it no longer knows with a reset the peer accepts (it learned the token during the
 * handshake), and the peer's old connection fails at once instead of after the idle timeout.
 * Netty's server codec sends no resets itself; the path layer does.
 *
 * <p>One token serves every connection id: Netty hands quiche a single token per codec for the
 * connection id chosen in the handshake (only ids issued later go through {@link #newResetToken}),
 * so a per-id token could not be reproduced for that id. The cost: someone who sees one of our
 * resets on the wire could forge resets for other connections to this key, which an on-path
 * attacker could disrupt anyway by dropping packets.
 */
public final class StatelessResets implements QuicResetTokenGenerator {
  public static final int TOKEN_LENGTH = 16;

  /** A reset must look like a short-header packet for our 20-byte ids (RFC 9000 §10.3). */
  public static final int MIN_PACKET =
      1 + QuicPacketHeaders.LOCAL_CONNECTION_ID_LENGTH + 4 + TOKEN_LENGTH;

  private final byte[] token;

  public StatelessResets(Ed25519Identity identity) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(identity.privateKey().getEncoded());
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(sha.digest(), "HmacSHA256"));
      byte[] full =
          mac.doFinal("p2p-quic stateless reset token v1".getBytes(StandardCharsets.UTF_8));
      token = Arrays.copyOf(full, TOKEN_LENGTH);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 or HmacSHA256 is missing from this JDK", e);
    }
  }

  /** The token for the server codec's handshake connection ids. */
  public byte[] token() {
    return token.clone();
  }

  @Override
  public ByteBuffer newResetToken(ByteBuffer connectionId) {
    return ByteBuffer.wrap(token.clone());
  }

  /**
   * A reset answering a packet of {@code triggerLength} bytes, or null when the trigger is too
   * small to answer (a reset must be shorter than what provoked it, so two endpoints can never
   * loop).
   */
  public ByteBuf resetFor(ByteBufAllocator alloc, int triggerLength) {
    int length = Math.min(triggerLength - 1, 64);
    if (length < MIN_PACKET) {
      return null;
    }
    byte[] unpredictable = new byte[length - TOKEN_LENGTH];
    ThreadLocalRandom.current().nextBytes(unpredictable);
    unpredictable[0] = (byte) (0x40 | (unpredictable[0] & 0x3f)); // short header, fixed bit
    return alloc.buffer(length).writeBytes(unpredictable).writeBytes(token);
  }
}
