package dev.p2p.simulator.internal;

import java.util.concurrent.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@code messages()} subscriber of a connection end and its demand (Reactive Streams).
 *
 * <p>Messages without demand wait in the connection's inbox, where they count against the receive
 * window the end advertises: a subscriber that stops requesting shuts the window and stalls the
 * sender's {@code send} futures, as a reader that stops calling {@code recv} does. So memory is
 * bounded on both sides by the simulator's flow control, not by this class.
 *
 * <p>Signals come from one place, {@link #drain()}, which runs only where simulation callbacks may
 * run: inline on the thread that drives a deterministic network or on a real-time network's clock
 * thread, and otherwise as this object's own event, queued at the current instant (so a {@code
 * request} from an application thread costs no allocation). A {@code request} made inside {@code
 * onNext} only adds demand: the loop already running picks it up, so the stack never grows.
 */
final class SimSubscription extends Event implements Flow.Subscription {
  private static final Logger log = LoggerFactory.getLogger(SimSubscription.class);

  private final AppInbox conn;
  private final Flow.Subscriber<? super byte[]> subscriber;

  /** Non-null for a refused subscriber: it gets onSubscribe, then this, and nothing else. */
  private final RuntimeException refusal;

  private long demand;
  private boolean started;
  private boolean draining;
  private boolean done; // cancelled, or a terminal signal was sent
  private IllegalArgumentException badRequest;

  SimSubscription(
      AppInbox conn, Flow.Subscriber<? super byte[]> subscriber, RuntimeException refusal) {
    this.conn = conn;
    this.subscriber = subscriber;
    this.refusal = refusal;
  }

  // ---- the subscriber's side: any thread -----------------------------------------------------

  @Override
  public void request(long n) {
    SimCore core = conn.core;
    core.enter();
    try {
      if (done) {
        return;
      }
      if (n <= 0) {
        if (badRequest == null) {
          badRequest =
              new IllegalArgumentException(
                  "request(" + n + "): demand must be positive (Reactive Streams rule 3.9)");
        }
      } else {
        long sum = demand + n;
        demand = sum < 0 ? Long.MAX_VALUE : sum; // rule 3.17: effectively unbounded
      }
      wake();
    } finally {
      core.exit();
    }
  }

  @Override
  public void cancel() {
    SimCore core = conn.core;
    core.enter();
    try {
      if (done) {
        return;
      }
      done = true;
      core.cancel(this);
      conn.closeLocked("the messages() subscriber cancelled");
    } finally {
      core.exit();
    }
  }

  // ---- the connection's side: lock held ------------------------------------------------------

  /** True while a valid subscriber can take {@code message} right now without the inbox. */
  boolean pushNow(byte[] message) {
    if (draining || done || demand == 0 || !started) {
      return false;
    }
    demand--;
    draining = true;
    try {
      next(message);
    } finally {
      draining = false;
    }
    if (!done && (badRequest != null || conn.inboxSize() > 0 || conn.ended())) {
      drain();
    }
    return true;
  }

  /**
   * Something changed (a message, demand, the end): signal what can be signalled, where allowed.
   */
  void wake() {
    if (conn.core.mayRunCallbacks()) {
      drain();
    } else if (!queued()) {
      conn.core.schedule(this, 0);
    }
  }

  @Override
  protected void run() {
    drain();
  }

  /**
   * Loads this and the subscriber's header (an application's reader, as cold as its connection).
   */
  @Override
  long prefetch() {
    return demand + subscriber.getClass().getModifiers();
  }

  private void drain() {
    if (draining) {
      return; // the loop below is on the stack and will see the change
    }
    draining = true;
    try {
      if (!started) {
        started = true;
        if (!signal(() -> subscriber.onSubscribe(this))) {
          return;
        }
        if (refusal != null) {
          done = true;
          signal(() -> subscriber.onError(refusal));
          return;
        }
      }
      while (!done) {
        if (badRequest != null) {
          done = true;
          IllegalArgumentException e = badRequest;
          signal(() -> subscriber.onError(e));
          conn.closeLocked("the messages() subscriber broke rule 3.9: " + e.getMessage());
          return;
        }
        if (demand > 0) {
          byte[] m = conn.pollInbox();
          if (m != null) {
            demand--;
            next(m);
            continue;
          }
        }
        if (conn.inboxSize() == 0 && conn.ended()) {
          done = true;
          RuntimeException error = conn.endError();
          signal(error == null ? subscriber::onComplete : () -> subscriber.onError(error));
        }
        return;
      }
    } finally {
      draining = false;
    }
  }

  /** Written out rather than through {@link #signal}: a lambda per message costs at scale. */
  private void next(byte[] message) {
    try {
      subscriber.onNext(message);
    } catch (RuntimeException e) {
      subscriberFailed(e);
    }
  }

  private boolean signal(Runnable call) {
    try {
      call.run();
      return true;
    } catch (RuntimeException e) {
      subscriberFailed(e);
      return false;
    }
  }

  /**
   * A subscriber that throws broke rule 2.13; it is treated as cancelled, so a buggy callback
   * cannot break the event loop.
   */
  private void subscriberFailed(RuntimeException e) {
    log.warn("messages() subscriber of {} threw; treating it as cancelled", conn, e);
    if (!done) {
      done = true;
      conn.closeLocked("the messages() subscriber threw " + e);
    }
  }
}
