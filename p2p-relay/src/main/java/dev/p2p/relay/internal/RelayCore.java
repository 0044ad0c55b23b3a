package dev.p2p.relay.internal;

import dev.p2p.api.PeerId;
import dev.p2p.identity.Ed25519Identity;
import io.netty.channel.ChannelFuture;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What all sessions of one relay share: who is logged in, who is banned, the login checks and the
 * metrics. Thread-safe: sessions call it from their own event loops.
 */
public final class RelayCore {
  private final RelaySettings settings;
  private final RelayMetrics metrics;
  private final ConcurrentHashMap<PeerKey, ClientSession> sessions = new ConcurrentHashMap<>();
  private final Set<PeerKey> banned = ConcurrentHashMap.newKeySet();
  private final AtomicInteger clientCount = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();
  private final Set<ClientSession> open = ConcurrentHashMap.newKeySet();
  private volatile boolean shuttingDown;
  private volatile int stunPort; // 0 until the STUN port is bound, or if there is none

  public RelayCore(RelaySettings settings, List<PeerId> bannedIds) {
    this.settings = settings;
    this.metrics = new RelayMetrics(clientCount::get);
    bannedIds.forEach(id -> banned.add(PeerKey.of(id)));
  }

  public RelaySettings settings() {
    return settings;
  }

  /** The bound STUN port, told to clients in the welcome; 0 if STUN is off. */
  public int stunPort() {
    return stunPort;
  }

  public void stunPort(int port) {
    stunPort = port;
  }

  public RelayMetrics metrics() {
    return metrics;
  }

  public int clientCount() {
    return clientCount.get();
  }

  ClientSession lookup(PeerKey key) {
    return sessions.get(key);
  }

  public boolean isLoggedIn(PeerId id) {
    return sessions.containsKey(PeerKey.of(id));
  }

  /** Bans {@code id}: refused at login from now on, and its current session (if any) closed. */
  public void ban(PeerId id) {
    PeerKey key = PeerKey.of(id);
    banned.add(key);
    ClientSession s = sessions.get(key);
    if (s != null) {
      s.closeWith(CloseReason.BANNED, "this peer id is banned on this relay");
    }
  }

  public void unban(PeerId id) {
    banned.remove(PeerKey.of(id));
  }

  public boolean isBanned(PeerId id) {
    return banned.contains(PeerKey.of(id));
  }

  /**
   * A new connection; false if it is past the pending limit (the caller closes it). Every call is
   * matched by one {@link #leftPending} (at login, or at close if it never logged in).
   */
  boolean opened(ClientSession s) {
    open.add(s);
    if (pending.incrementAndGet() > settings.maxPending()) {
      metrics.pendingRefused();
      return false;
    }
    if (shuttingDown) {
      s.closeWith(CloseReason.SHUTTING_DOWN, "the relay is shutting down");
    }
    return true;
  }

  void leftPending() {
    pending.decrementAndGet();
  }

  /**
   * Checks a login; empty if it is accepted, else the refusal and a message saying what to do. The
   * access token is compared in constant time.
   */
  Optional<Refusal> check(RelayFrame.Login login, byte[] challenge) {
    Optional<String> token = settings.accessToken();
    if (token.isPresent()) {
      if (login.token().isEmpty()) {
        return refuse(
            CloseReason.UNAUTHORIZED,
            "this relay requires an access token: set P2P_RELAY_TOKEN to the relay's token");
      }
      if (!MessageDigest.isEqual(
          token.get().getBytes(StandardCharsets.UTF_8),
          login.token().getBytes(StandardCharsets.UTF_8))) {
        return refuse(
            CloseReason.UNAUTHORIZED,
            "wrong access token: set P2P_RELAY_TOKEN to the relay's token");
      }
    }
    PeerId id = login.peer().toPeerId();
    if (!Ed25519Identity.verify(id, RelayProtocol.loginMessage(challenge), login.signature())) {
      return refuse(
          CloseReason.BAD_SIGNATURE,
          "the login signature does not verify for "
              + id.shortString()
              + ": sign the relay's challenge with the identity key");
    }
    if (banned.contains(login.peer())) {
      return refuse(CloseReason.BANNED, "peer " + id.shortString() + " is banned on this relay");
    }
    return Optional.empty();
  }

  private Optional<Refusal> refuse(CloseReason reason, String message) {
    metrics.authFailure(reason);
    return Optional.of(new Refusal(reason, message));
  }

  /**
   * Makes {@code s} the session of its peer. Returns the session it replaces (to be told why), or
   * fails with SERVER_FULL when a new id would pass the client limit.
   */
  RegisterResult register(ClientSession s) {
    ClientSession[] replaced = new ClientSession[1];
    boolean[] full = new boolean[1];
    sessions.compute(
        s.key(),
        (k, old) -> {
          if (old == null) {
            if (clientCount.get() >= settings.maxClients()) {
              full[0] = true;
              return null;
            }
            clientCount.incrementAndGet();
          }
          replaced[0] = old;
          return s;
        });
    if (full[0]) {
      metrics.authFailure(CloseReason.SERVER_FULL);
      return new RegisterResult(false, null);
    }
    metrics.login();
    return new RegisterResult(true, replaced[0]);
  }

  /** Forgets a closed session (only if it is still its peer's current one). */
  void closed(ClientSession s) {
    open.remove(s);
    if (s.key() != null && sessions.remove(s.key(), s)) {
      clientCount.decrementAndGet();
    }
  }

  /** Tells every open session the relay is going away and closes it; their close futures. */
  public List<ChannelFuture> shutdown() {
    shuttingDown = true;
    List<ChannelFuture> all = new ArrayList<>();
    for (ClientSession s : new ArrayList<>(open)) {
      s.closeWith(CloseReason.SHUTTING_DOWN, "the relay is shutting down: reconnect later");
      all.add(s.closeFuture());
    }
    return all;
  }

  record Refusal(CloseReason reason, String message) {}

  record RegisterResult(boolean accepted, ClientSession replaced) {}
}
