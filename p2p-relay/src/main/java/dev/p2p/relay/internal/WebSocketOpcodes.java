package dev.p2p.relay.internal;

/** RFC 6455 frame opcodes (section 5.2), for the relay's own frame encoder and decoder. */
final class WebSocketOpcodes {
  static final int CONTINUATION = 0x0;
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CLOSE = 0x8;
  static final int PING = 0x9;
  static final int PONG = 0xA;

  private WebSocketOpcodes() {}
}
