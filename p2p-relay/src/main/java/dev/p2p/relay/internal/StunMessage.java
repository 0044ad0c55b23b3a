package dev.p2p.relay.internal;

import java.util.List;

/**
 * A decoded STUN request (RFC 8489), or a classic RFC 3489 one when {@code classic}: its method and
 * class, transaction id (12 bytes; 16 for classic, whose "cookie" is part of the id), and the
 * comprehension-required attributes this relay does not understand.
 */
public record StunMessage(
    int method, int messageClass, byte[] transactionId, boolean classic, List<Integer> unknown) {
  public static final int CLASS_REQUEST = 0;
  public static final int CLASS_INDICATION = 1;
  public static final int CLASS_SUCCESS = 2;
  public static final int CLASS_ERROR = 3;
  public static final int METHOD_BINDING = 1;

  public boolean isBindingRequest() {
    return method == METHOD_BINDING && messageClass == CLASS_REQUEST;
  }
}
