package dev.p2p.relay.internal;

/**
 * Why the relay ends a client's session: the code of the {@code CLOSE_REASON} frame it sends just
 * before closing. Codes are stable wire values; a client that sees a code it does not know treats
 * it as {@link #PROTOCOL_ERROR}.
 */
public enum CloseReason {
  /** The login signature does not verify against the claimed id. Do not retry with this key. */
  BAD_SIGNATURE(1, false),
  /** The id is banned on this relay. */
  BANNED(2, false),
  /** The relay requires an access token and none, or a wrong one, was given. */
  UNAUTHORIZED(3, false),
  /** Another session logged in with the same id; this one is superseded. */
  REPLACED(4, false),
  /** A malformed, unknown or out-of-order frame, a text or fragmented WebSocket message. */
  PROTOCOL_ERROR(5, false),
  /** A packet larger than the relay's maximum packet size. */
  TOO_LARGE(6, false),
  /** The relay has its maximum number of clients; retry later or elsewhere. */
  SERVER_FULL(7, true),
  /** Nothing was received within the idle timeout (answer pings). */
  IDLE_TIMEOUT(8, true),
  /** The relay is shutting down; reconnect (to it later, or to another relay). */
  SHUTTING_DOWN(9, true),
  /** The login did not complete within the login timeout. */
  LOGIN_TIMEOUT(10, true),
  /** The client did not read what the relay sent it within the write timeout. */
  WRITE_TIMEOUT(11, true);

  private static final CloseReason[] BY_CODE = new CloseReason[16];

  static {
    for (CloseReason r : values()) {
      BY_CODE[r.code] = r;
    }
  }

  private final int code;
  private final boolean retryable;

  CloseReason(int code, boolean retryable) {
    this.code = code;
    this.retryable = retryable;
  }

  public int code() {
    return code;
  }

  /** True if reconnecting (after a back-off) may succeed. */
  public boolean retryable() {
    return retryable;
  }

  /** The reason for a wire code; unknown codes read as {@link #PROTOCOL_ERROR}. */
  public static CloseReason fromCode(int code) {
    CloseReason r = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    return r == null ? PROTOCOL_ERROR : r;
  }

  /** The label used in metrics. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
