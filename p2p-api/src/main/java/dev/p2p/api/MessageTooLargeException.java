package dev.p2p.api;

/** A message exceeded the connection's size limit. The connection stays usable. */
public class MessageTooLargeException extends P2PException {
  private static final long serialVersionUID = 1L;

  private final long size;
  private final long limit;

  public MessageTooLargeException(long size, long limit) {
    this(size, limit, "");
  }

  public MessageTooLargeException(long size, long limit, String what) {
    super(
        "message of "
            + size
            + " bytes exceeds the "
            + (what.isEmpty() ? "" : what + " ")
            + "limit of "
            + limit
            + " bytes; split it or raise the provider's maximum message size");
    this.size = size;
    this.limit = limit;
  }

  public long size() {
    return size;
  }

  public long limit() {
    return limit;
  }
}
