package dev.p2p.tunnel.internal;

/**
 * Bad input from the network: the session that sent it gets an ERROR frame with {@link #code()} and
 * is closed. Never escapes to users; they see {@link dev.p2p.api.ProtocolException}.
 */
public final class TunnelProtocolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public TunnelProtocolException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
