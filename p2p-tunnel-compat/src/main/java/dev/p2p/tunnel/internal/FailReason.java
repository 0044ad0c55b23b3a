package dev.p2p.tunnel.internal;

/** Why a connect request failed; carried by a FAILED_CONNECT frame. */
public enum FailReason {
  /** No peer with that id is registered (in the requester's app). */
  UNKNOWN_DESTINATION(1),
  /** The destination is registered but does not accept (not listening, backlog full). */
  REFUSED(2),
  /** A per-peer connection limit was reached on the server. */
  LIMIT_REACHED(3),
  /** The destination went away before answering. */
  DESTINATION_GONE(4),
  UNKNOWN(255);

  private final int code;

  FailReason(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static FailReason fromCode(int code) {
    for (FailReason r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    return UNKNOWN;
  }
}
