package dev.p2p.relay.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Constants of the relay wire protocol, versions 1 and 2 (documented in p2p-relay/README.md): one
 * frame per binary WebSocket message, a one-byte type first, integers big-endian. Version 2 adds
 * batches; the login (and its challenge's {@link #VERSION} byte) is the same in both.
 */
public final class RelayProtocol {
  /** The HTTP path upgraded to WebSocket. */
  public static final String PATH = "/relay";

  /**
   * A header of {@code /healthz}: the relay's STUN UDP port (0: none), so a tool that knows only
   * the relay's URL (as {@code p2p netcheck} does) asks STUN where it answers. Peers learn it at
   * login.
   */
  public static final String STUN_PORT_HEADER = "P2P-Stun-Port";

  /** The WebSocket subprotocol of the first protocol ({@code Sec-WebSocket-Protocol}). */
  public static final String SUBPROTOCOL = "p2p-relay-v1";

  /**
   * The second protocol: the first plus batches ({@link #SEND_BATCH}). A client asks for both, this
   * first ({@link #SUBPROTOCOLS}); the relay's choice says whether it forwards batches, and the
   * relay delivers batches only to clients that chose it, splitting them for the others.
   */
  public static final String SUBPROTOCOL_V2 = "p2p-relay-v2";

  /** What a client asks for and a relay offers, in order of preference. */
  public static final String SUBPROTOCOLS = SUBPROTOCOL_V2 + "," + SUBPROTOCOL;

  public static final int VERSION = 1;

  /** Length of the server's random login challenge. */
  public static final int CHALLENGE_LENGTH = 32;

  /** Length of an Ed25519 signature. */
  public static final int SIGNATURE_LENGTH = 64;

  /** The largest access token accepted, in UTF-8 bytes. */
  public static final int MAX_TOKEN_LENGTH = 1024;

  /** The largest close-reason message, in UTF-8 bytes. */
  public static final int MAX_REASON_LENGTH = 1024;

  public static final int PING_DATA_LENGTH = 8;

  /** Type byte plus peer key, in front of a packet's payload. */
  public static final int PACKET_HEADER_LENGTH = 1 + PeerKey.LENGTH;

  /** Type byte, peer key and segment size, in front of a batch's packets. */
  public static final int BATCH_HEADER_LENGTH = PACKET_HEADER_LENGTH + 2;

  /** Default largest packet payload: 64 KiB, as iroh's relay and DERP. */
  public static final int DEFAULT_MAX_PACKET_SIZE = 64 * 1024;

  // Frame types.
  public static final byte SERVER_CHALLENGE = 0x01;
  public static final byte CLIENT_LOGIN = 0x02;
  public static final byte SERVER_WELCOME = 0x03;
  public static final byte CLOSE_REASON = 0x04;
  public static final byte SEND_PACKET = 0x10;
  public static final byte RECV_PACKET = 0x11;
  public static final byte PEER_GONE = 0x12;

  /**
   * Protocol 2: several packets to (from) one peer in one frame, as a GSO send holds them: {@code
   * peer key(32), segment size(2), packets}, every packet {@code segment size} bytes but the last,
   * which may be shorter. The payload counts against the packet size limit as a whole.
   */
  public static final byte SEND_BATCH = 0x13;

  public static final byte RECV_BATCH = 0x14;
  public static final byte PING = 0x20;
  public static final byte PONG = 0x21;

  /**
   * Prefix of the signed login message, so a login signature can never be taken for a signature
   * made by the same key in another protocol (TLS certificates, tickets).
   */
  private static final byte[] LOGIN_DOMAIN =
      "p2p-relay-v1 login challenge\0".getBytes(StandardCharsets.US_ASCII);

  private RelayProtocol() {}

  /** What a client signs with its identity key to log in: the domain string, then the challenge. */
  public static byte[] loginMessage(byte[] challenge) {
    byte[] m = Arrays.copyOf(LOGIN_DOMAIN, LOGIN_DOMAIN.length + challenge.length);
    System.arraycopy(challenge, 0, m, LOGIN_DOMAIN.length, challenge.length);
    return m;
  }
}
