package dev.p2p.tunnel.internal;

import dev.p2p.api.PeerId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Constants of the tunnel wire format.
 *
 * <pre>
 * frame  = length:u32 version:u8 type:u8 body     (length counts version, type and body)
 * DATA   = connectionId:i64 channel:i32 messageNumber:i64 flags:u8 payload
 * </pre>
 *
 * All integers are big-endian; strings are u16 length + UTF-8.
 */
public final class TunnelProtocol {
  public static final int VERSION = 1;

  /** Length prefix, version and type. */
  public static final int HEADER_SIZE = 6;

  public static final int DATA_HEADER_SIZE = HEADER_SIZE + 8 + 4 + 8 + 1;

  public static final int FLAG_LAST = 0x01;

  /**
   * WINDOW_UPDATE's optional flags byte: the increment is credit only, for bytes the receiver
   * discarded after its close, and acknowledges nothing.
   */
  public static final int FLAG_CREDIT_ONLY = 0x01;

  /**
   * Extension bit in REGISTER's features: per-connection flow control (WINDOW_UPDATE), graceful
   * close with acknowledgement (END_ACK) and RESET. Both ends of a connection must speak it; a
   * server relays such connections without ever pausing a client's whole socket for another
   * client's sake, so a slow receiver holds back only its own connection's sender.
   */
  public static final int FEATURE_FLOW_CONTROL = 0x01;

  /**
   * Payload bytes a sender may have in flight on one connection before its receiver grants more.
   * Bounds what the server holds per connection. It must cover the time a grant takes to travel
   * back, and on a loaded machine that is a scheduling delay of each thread on the way (receiver,
   * server, sender), milliseconds, not the loopback RTT: at 1 MiB a 1 KiB-message transfer stalled
   * on every grant (2.5 times the thread wake-ups per MiB of the unwindowed tunnel, 0.81 times its
   * throughput on 2 vCPUs); from 4 MiB on it runs as before flow control. QUIC's stream window is 8
   * MiB for the same reason.
   */
  public static final int INITIAL_WINDOW = 4 * 1024 * 1024;

  public static final int NONCE_SIZE = 32;
  public static final int SIGNATURE_SIZE = 64;

  /** Strings (reasons, tokens) longer than this are a protocol error. */
  public static final int MAX_STRING_BYTES = 1024;

  /** Before registration only small frames are needed: an anonymous client gets no more. */
  public static final int MAX_UNREGISTERED_FRAME_SIZE = 2048;

  /**
   * Domain separation: a registration signature can never be mistaken for a signature made for any
   * other purpose with the same key (for example a QUIC handshake).
   */
  private static final byte[] SIGNATURE_DOMAIN =
      "p2p-tunnel-register-v1:".getBytes(StandardCharsets.US_ASCII);

  private TunnelProtocol() {}

  /** The bytes a client signs to register: domain, nonce, its own id and the app id. */
  public static byte[] signedChallenge(byte[] nonce, PeerId peer, long appId) {
    return ByteBuffer.allocate(SIGNATURE_DOMAIN.length + nonce.length + PeerId.KEY_LENGTH + 8)
        .put(SIGNATURE_DOMAIN)
        .put(nonce)
        .put(peer.toBytes())
        .putLong(appId)
        .array();
  }
}
