package dev.p2p.testkit;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.Path;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerId;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One end of an in-memory connection. Messages go through an {@link InMemoryPipe} to the other
 * end's {@link InMemoryInbox}, in send order. The {@link Fault} checks are the planted bugs; with
 * {@link Fault#NONE} this end follows the contract.
 */
final class InMemoryConnection implements P2PConnection {
  private enum End {
    LOCAL,
    PEER,
    RESET
  }

  private record Held(byte[] message, CompletableFuture<Void> future) {}

  private final InMemoryProvider owner;
  private final PeerId peer;
  private final Fault fault;
  private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private final InMemoryInbox inbox;
  private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
  private final Object sendLock = new Object();
  private final Map<Thread, Held> heldPerThread = new HashMap<>();
  private InMemoryConnection remote;
  private InMemoryPipe out;
  private InMemoryPipe in;
  private AtomicReference<InMemoryConnection> lastSender;
  private ConnectionState state = ConnectionState.CONNECTED;
  private String closeReason;
  private boolean outgoingSettled;
  private long outgoingLost;
  private long messagesSent;
  private long bytesSent;
  private long reliableSent;
  private long unreliableSent;
  private Thread firstSender;
  private Held held;

  InMemoryConnection(InMemoryProvider owner, PeerId peer) {
    this.owner = owner;
    this.peer = peer;
    this.fault = owner.network.fault;
    this.inbox = new InMemoryInbox(fault, size -> in.consumed(size), this::close);
    // Closing is not closed: the provider lingers for this end until its messages are in.
    closeFuture.whenComplete((ok, error) -> owner.forget(this));
  }

  static void link(InMemoryConnection a, InMemoryConnection b) {
    AtomicReference<InMemoryConnection> shared = new AtomicReference<>();
    a.remote = b;
    b.remote = a;
    a.lastSender = shared;
    b.lastSender = shared;
    a.out = new InMemoryPipe(a, b);
    b.in = a.out;
    b.out = new InMemoryPipe(b, a);
    a.in = b.out;
  }

  InMemoryProvider owner() {
    return owner;
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
    byte[] copy =
        fault == Fault.TRUNCATE_AT_64_KIB && size >= 65534
            ? Arrays.copyOf(message, size - 1)
            : message.clone();
    CompletableFuture<Void> future = new CompletableFuture<>();
    // One lock around the state check and the routing: nothing gets behind the close marker.
    synchronized (sendLock) {
      synchronized (this) {
        if (state == ConnectionState.CLOSED) {
          return fault == Fault.SEND_AFTER_CLOSE_SUCCEEDS
              ? CompletableFuture.completedFuture(null)
              : CompletableFuture.failedFuture(new ConnectionClosedException("connection closed"));
        }
        messagesSent++;
        bytesSent += size + (fault == Fault.STATS_COUNT_FRAMING ? 4 : 0);
      }
      if (delivery == Delivery.UNRELIABLE) {
        sendUnreliable(copy, future);
      } else {
        sendReliable(copy, future);
      }
    }
    return future;
  }

  private void sendReliable(byte[] message, CompletableFuture<Void> future) {
    long index = reliableSent++;
    Thread thread = Thread.currentThread();
    if (firstSender == null) {
      firstSender = thread;
    }
    InMemoryConnection previousSender = lastSender.getAndSet(this);
    if (fault == Fault.RACY_CONCURRENT_SENDS && thread != firstSender) {
      Held mine = heldPerThread.remove(thread);
      if (mine == null) {
        heldPerThread.put(thread, new Held(message, future));
      } else {
        out.offer(message, future);
        out.offer(mine.message(), mine.future());
      }
      return;
    }
    boolean hold =
        (fault == Fault.REORDER_RELIABLE && index % 50 == 7)
            || (fault == Fault.REORDER_WHEN_BOTH_DIRECTIONS_BUSY
                && previousSender != null
                && previousSender != this);
    if (held != null) {
      out.offer(message, future);
      out.offer(held.message(), held.future());
      held = null;
    } else if (hold) {
      held = new Held(message, future);
    } else {
      out.offer(message, future);
      if (fault == Fault.DUPLICATE_RELIABLE && index == 1500) {
        out.offer(message, null);
      }
    }
  }

  private void sendUnreliable(byte[] message, CompletableFuture<Void> future) {
    long index = unreliableSent++;
    if (fault == Fault.CORRUPT_UNRELIABLE && index % 10 == 9 && message.length > 0) {
      message[message.length / 2] ^= 0x20;
    }
    boolean lose = owner.network.loseUnreliable && index % 3 == 2;
    if (lose || fault == Fault.DROP_ALL_UNRELIABLE) {
      future.complete(null); // accepted, then lost on the way: allowed for UNRELIABLE
      return;
    }
    if (owner.network.loseUnreliable && index % 5 == 4) {
      out.offer(message, null);
    }
    out.offer(message, future);
  }

  /** From the pipe, on this end's provider thread: false if this end takes nothing any more. */
  boolean deliver(byte[] message) {
    return inbox.deliver(message);
  }

  @Override
  public CompletableFuture<byte[]> recv() {
    CompletableFuture<byte[]> next = inbox.recv();
    if (fault == Fault.EVENT_AFTER_CLOSED && next.isCompletedExceptionally()) {
      synchronized (this) {
        if (state == ConnectionState.CLOSED) {
          fire(ConnectionState.CLOSED, ConnectionState.CLOSED, "closed again");
        }
      }
    }
    return next;
  }

  @Override
  public Flow.Publisher<byte[]> messages() {
    return inbox::subscribe;
  }

  @Override
  public CompletableFuture<Void> closeFuture() {
    return closeFuture.copy();
  }

  @Override
  public synchronized ConnectionState state() {
    return state;
  }

  @Override
  public Path path() {
    return Path.direct();
  }

  @Override
  public ConnectionStats stats() {
    long rtt = out.rttNanos() > 0 ? out.rttNanos() : in.rttNanos();
    if (fault == Fault.RTT_INFLATED) {
      rtt += 300_000_000L;
    } else if (fault == Fault.RTT_NOT_MEASURED) {
      rtt = 0;
    }
    synchronized (this) {
      return new ConnectionStats(
          Duration.ofNanos(rtt),
          bytesSent,
          inbox.bytesReceived(),
          messagesSent,
          inbox.messagesReceived(),
          0,
          PathType.DIRECT);
    }
  }

  @Override
  public void addListener(ConnectionListener listener) {
    listeners.add(listener);
  }

  /** Graceful: what was sent still goes, then the close marker; closeFuture says when it is in. */
  @Override
  public void close() {
    synchronized (sendLock) {
      if (closeHere("closed by the application", End.LOCAL)) {
        if (fault == Fault.CLOSE_FUTURE_BEFORE_DELIVERY) {
          closeFuture.complete(null);
        }
        if (fault != Fault.NO_CLOSE_NOTIFY) {
          out.finish();
        }
      }
    }
  }

  /** The close marker arrived, after every message the peer sent before closing. */
  void remoteClosed() {
    if (fault == Fault.DROP_INBOX_ON_REMOTE_CLOSE) {
      inbox.clear();
    }
    closeHere("the peer closed the connection", End.PEER);
  }

  /** Drops whatever has not arrived, both ways, and tells the peer at once. */
  void reset(String reason) {
    closeHere(reason, End.RESET);
    out.abort();
    in.abort();
    InMemoryConnection to = remote;
    to.owner.execute(() -> to.closeHere("the peer reset the connection", End.RESET));
  }

  /** Everything this end sent arrived, or what did not is known ({@code lost} messages). */
  void outgoingSettled(long lost) {
    synchronized (this) {
      outgoingSettled = true;
      outgoingLost = lost;
    }
    settleCloseFuture();
  }

  private boolean closeHere(String reason, End how) {
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        return false;
      }
      closeReason = reason;
      state = ConnectionState.DISCONNECTING;
      fire(ConnectionState.CONNECTED, ConnectionState.DISCONNECTING, reason);
      state = ConnectionState.CLOSED;
      ConnectionState previous =
          fault == Fault.BROKEN_STATE_CHAIN
              ? ConnectionState.CONNECTED
              : ConnectionState.DISCONNECTING;
      fire(previous, ConnectionState.CLOSED, reason);
    }
    ConnectionClosedException closed = new ConnectionClosedException(reason);
    Throwable pushEnd =
        switch (how) {
          case PEER -> fault == Fault.NO_ON_COMPLETE ? closed : null;
          case LOCAL -> fault == Fault.ON_COMPLETE_ON_LOCAL_CLOSE ? null : closed;
          case RESET -> closed;
        };
    inbox.close(closed, pushEnd);
    in.abort(); // this end takes nothing more
    if (how != End.LOCAL) {
      out.abort(); // the peer takes nothing more either
    }
    settleCloseFuture();
    return true;
  }

  private void settleCloseFuture() {
    long lost;
    String reason;
    synchronized (this) {
      if (state != ConnectionState.CLOSED || !outgoingSettled) {
        return;
      }
      lost = outgoingLost;
      reason = closeReason;
    }
    if (lost == 0 || fault == Fault.CLOSE_FUTURE_IGNORES_LOSS) {
      closeFuture.complete(null);
    } else {
      closeFuture.completeExceptionally(
          new ConnectionClosedException(
              reason + "; " + lost + " message(s) sent before close() never reached the peer"));
    }
  }

  // Under this end's lock, so listeners see events in order.
  private void fire(ConnectionState previous, ConnectionState current, String reason) {
    ConnectionStateEvent event = new ConnectionStateEvent(peer, previous, current, reason);
    for (ConnectionListener listener : listeners) {
      listener.stateChanged(event);
    }
  }
}
