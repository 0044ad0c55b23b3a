package dev.p2p.tunnel.internal;

/** Why a peer closes the whole tunnel session; carried by an ERROR frame just before the close. */
public enum ErrorCode {
  MALFORMED_FRAME(1),
  UNSUPPORTED_VERSION(2),
  UNKNOWN_FRAME_TYPE(3),
  FRAME_TOO_LARGE(4),
  UNEXPECTED_FRAME(5),
  AUTHENTICATION_FAILED(6),
  ACCESS_DENIED(7),
  BANNED(8),
  REPLACED(9),
  IDLE_TIMEOUT(10),
  SERVER_SHUTDOWN(11),
  /** A client sent more on a connection than its receiver granted (flow-control extension). */
  FLOW_CONTROL(12),
  /** A code this version does not know, received from a newer peer. */
  UNKNOWN(255);

  private final int code;

  ErrorCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static ErrorCode fromCode(int code) {
    for (ErrorCode c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return UNKNOWN;
  }

  /** True if retrying the same registration cannot succeed, so a client must not reconnect. */
  public boolean isPermanent() {
    return this == AUTHENTICATION_FAILED
        || this == ACCESS_DENIED
        || this == BANNED
        || this == REPLACED
        || this == UNSUPPORTED_VERSION;
  }
}
