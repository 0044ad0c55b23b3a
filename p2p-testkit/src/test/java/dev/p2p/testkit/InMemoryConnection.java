package dev.p2p.testkit;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerId;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One end of an in-memory connection. Messages go to the other end's provider thread in send order.
 * The {@link Fault} checks are the planted bugs; with {@link Fault#NONE} this end follows the
 * contract.
 */
final class InMemoryConnection implements P2PConnection {
  private final InMemoryProvider owner;
  private final PeerId peer;
  private final Fault fault;
  private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private final ArrayDeque<byte[]> inbox = new ArrayDeque<>();
  private final ArrayDeque<CompletableFuture<byte[]>> waiting = new ArrayDeque<>();
  private final Object sendLock = new Object();
  private final Map<Thread, byte[]> heldPerThread = new HashMap<>();
  private InMemoryConnection remote;
  private AtomicReference<InMemoryConnection> lastSender;
  private ConnectionState state = ConnectionState.CONNECTED;
  private long messagesSent;
  private long bytesSent;
  private long messagesReceived;
  private long bytesReceived;
  private long reliableSent;
  private long unreliableSent;
  private Thread firstSender;
  private byte[] held;

  InMemoryConnection(InMemoryProvider owner, PeerId peer) {
    this.owner = owner;
    this.peer = peer;
    this.fault = owner.network.fault;
  }

  static void link(InMemoryConnection a, InMemoryConnection b) {
    AtomicReference<InMemoryConnection> shared = new AtomicReference<>();
    a.remote = b;
    b.remote = a;
    a.lastSender = shared;
    b.lastSender = shared;
  }

  @Override
  public PeerId peerId() {
    return peer;
  }

  @Override
  public synchronized boolean isConnected() {
    return state == ConnectionState.CONNECTED;
  }

  @Override
  public CompletableFuture<Void> send(byte[] message) {
    return send(message, Delivery.RELIABLE);
  }

  @Override
  public CompletableFuture<Void> send(byte[] message, Delivery delivery) {
    int max = owner.network.maxMessageSize;
    int size = message.length;
    boolean tooLarge =
        switch (fault) {
          case MAX_SIZE_TOO_STRICT -> size >= max;
          case MAX_SIZE_OFF_BY_ONE -> size > max + 1;
          default -> size > max;
        };
    if (tooLarge) {
      return CompletableFuture.failedFuture(new MessageTooLargeException(size, max));
    }
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        return fault == Fault.SEND_AFTER_CLOSE_SUCCEEDS
            ? CompletableFuture.completedFuture(null)
            : CompletableFuture.failedFuture(new ConnectionClosedException("connection closed"));
      }
      messagesSent++;
      bytesSent += size + (fault == Fault.STATS_COUNT_FRAMING ? 4 : 0);
    }
    byte[] copy =
        fault == Fault.TRUNCATE_AT_64_KIB && size >= 65534
            ? Arrays.copyOf(message, size - 1)
            : message.clone();
    synchronized (sendLock) {
      if (delivery == Delivery.UNRELIABLE) {
        sendUnreliable(copy);
      } else {
        sendReliable(copy);
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  private void sendReliable(byte[] message) {
    long index = reliableSent++;
    Thread thread = Thread.currentThread();
    if (firstSender == null) {
      firstSender = thread;
    }
    InMemoryConnection previousSender = lastSender.getAndSet(this);
    if (fault == Fault.RACY_CONCURRENT_SENDS && thread != firstSender) {
      byte[] mine = heldPerThread.remove(thread);
      if (mine == null) {
        heldPerThread.put(thread, message);
      } else {
        route(message);
        route(mine);
      }
      return;
    }
    boolean hold =
        (fault == Fault.REORDER_RELIABLE && index % 50 == 7)
            || (fault == Fault.REORDER_WHEN_BOTH_DIRECTIONS_BUSY
                && previousSender != null
                && previousSender != this);
    if (held != null) {
      route(message);
      route(held);
      held = null;
    } else if (hold) {
      held = message;
    } else {
      route(message);
      if (fault == Fault.DUPLICATE_RELIABLE && index == 1500) {
        route(message);
      }
    }
  }

  private void sendUnreliable(byte[] message) {
    long index = unreliableSent++;
    if (fault == Fault.CORRUPT_UNRELIABLE && index % 10 == 9 && message.length > 0) {
      message[message.length / 2] ^= 0x20;
    }
    if (owner.network.loseUnreliable) {
      if (index % 3 == 2) {
        return;
      }
      if (index % 5 == 4) {
        route(message);
      }
    }
    route(message);
  }

  private void route(byte[] message) {
    InMemoryConnection to = remote;
    to.owner.execute(() -> to.deliver(message));
  }

  private void deliver(byte[] message) {
    CompletableFuture<byte[]> taker;
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        return; // closed here before it arrived
      }
      messagesReceived++;
      bytesReceived += message.length;
      taker = waiting.poll();
      if (taker == null) {
        inbox.add(message);
        return;
      }
    }
    taker.complete(message);
  }

  @Override
  public synchronized CompletableFuture<byte[]> recv() {
    byte[] ready = inbox.poll();
    if (ready != null) {
      return CompletableFuture.completedFuture(ready);
    }
    if (state == ConnectionState.CLOSED) {
      if (fault == Fault.EVENT_AFTER_CLOSED) {
        fire(ConnectionState.CLOSED, ConnectionState.CLOSED, "closed again");
      }
      return CompletableFuture.failedFuture(new ConnectionClosedException("connection closed"));
    }
    CompletableFuture<byte[]> taker = new CompletableFuture<>();
    waiting.add(taker);
    return taker;
  }

  @Override
  public synchronized ConnectionState state() {
    return state;
  }

  @Override
  public synchronized ConnectionStats stats() {
    return new ConnectionStats(
        Duration.ZERO,
        bytesSent,
        bytesReceived,
        messagesSent,
        messagesReceived,
        0,
        PathType.DIRECT);
  }

  @Override
  public void addListener(ConnectionListener listener) {
    listeners.add(listener);
  }

  @Override
  public void close() {
    if (closeHere("closed by the application") && fault != Fault.NO_CLOSE_NOTIFY) {
      InMemoryConnection to = remote;
      to.owner.execute(to::remoteClosed);
    }
  }

  private void remoteClosed() {
    if (fault == Fault.DROP_INBOX_ON_REMOTE_CLOSE) {
      synchronized (this) {
        inbox.clear();
      }
    }
    closeHere("the peer closed the connection");
  }

  private boolean closeHere(String reason) {
    List<CompletableFuture<byte[]>> takers;
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        return false;
      }
      state = ConnectionState.DISCONNECTING;
      fire(ConnectionState.CONNECTED, ConnectionState.DISCONNECTING, reason);
      state = ConnectionState.CLOSED;
      ConnectionState previous =
          fault == Fault.BROKEN_STATE_CHAIN
              ? ConnectionState.CONNECTED
              : ConnectionState.DISCONNECTING;
      fire(previous, ConnectionState.CLOSED, reason);
      takers = new ArrayList<>(waiting);
      waiting.clear();
    }
    owner.forget(this);
    takers.forEach(t -> t.completeExceptionally(new ConnectionClosedException(reason)));
    return true;
  }

  // Under this end's lock, so listeners see events in order.
  private void fire(ConnectionState previous, ConnectionState current, String reason) {
    ConnectionStateEvent event = new ConnectionStateEvent(peer, previous, current, reason);
    for (ConnectionListener listener : listeners) {
      listener.stateChanged(event);
    }
  }

  // TODO(issue 10): placeholders until the in-memory provider implements the new contract.
  @Override
  public dev.p2p.api.Path path() {
    return dev.p2p.api.Path.direct();
  }

  @Override
  public CompletableFuture<Void> closeFuture() {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public java.util.concurrent.Flow.Publisher<byte[]> messages() {
    throw new UnsupportedOperationException("not yet");
  }
}
