package dev.p2p.tunnel.internal;

/** The type byte of a tunnel frame. Codes are part of the wire format: never renumber them. */
public enum FrameType {
  REGISTER(0x01),
  CHALLENGE(0x02),
  CHALLENGE_RESPONSE(0x03),
  REGISTERED(0x04),
  CONNECT_REQUEST(0x10),
  CONNECT_ACCEPTED(0x11),
  FAILED_CONNECT(0x12),
  DATA(0x20),
  CONNECTION_END(0x21),
  /** Extension {@link TunnelProtocol#FEATURE_FLOW_CONTROL}. */
  WINDOW_UPDATE(0x22),
  /** Extension {@link TunnelProtocol#FEATURE_FLOW_CONTROL}. */
  END_ACK(0x23),
  /** Extension {@link TunnelProtocol#FEATURE_FLOW_CONTROL}. */
  RESET(0x24),
  PING(0x30),
  PONG(0x31),
  ERROR(0x3F);

  private static final FrameType[] BY_CODE = new FrameType[256];

  static {
    for (FrameType type : values()) {
      BY_CODE[type.code] = type;
    }
  }

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The type for a wire code, or null if unknown. */
  public static FrameType fromCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
