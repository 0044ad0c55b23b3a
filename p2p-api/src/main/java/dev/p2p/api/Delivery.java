package dev.p2p.api;

/** How a message is carried. */
public enum Delivery {
  /** Delivered exactly once and in order while the connection lives. */
  RELIABLE,
  /**
   * Best effort: may be lost, duplicated or reordered by the network. A provider documents what it
   * does with it (a tunnel, for example, carries it reliably).
   */
  UNRELIABLE
}
