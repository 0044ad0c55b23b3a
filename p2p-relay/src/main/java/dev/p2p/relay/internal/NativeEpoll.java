package dev.p2p.relay.internal;

import dev.p2p.api.ConfigurationException;
import io.netty.channel.epoll.Epoll;
import java.util.Locale;

/**
 * The one reading of a transport setting ({@code P2P_RELAY_TRANSPORT}, {@code P2P_QUIC_TRANSPORT}):
 * {@code auto} (Linux's native epoll where it loads, else NIO), {@code epoll} or {@code nio}.
 */
public final class NativeEpoll {
  private NativeEpoll() {}

  /**
   * True for epoll, false for NIO.
   *
   * @throws ConfigurationException for another value, or {@code epoll} where it cannot load
   */
  public static boolean chosen(String key, String value) {
    switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "auto":
        return Epoll.isAvailable();
      case "nio":
        return false;
      case "epoll":
        if (!Epoll.isAvailable()) {
          throw new ConfigurationException(
              key
                  + "=epoll but the native epoll transport cannot load here ("
                  + Epoll.unavailabilityCause()
                  + "); use auto or nio");
        }
        return true;
      default:
        throw new ConfigurationException(key + " must be auto, epoll or nio, got '" + value + "'");
    }
  }
}
