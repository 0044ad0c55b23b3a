package dev.p2p.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** The platform threads alive at one moment, to find the ones started after it. */
final class ThreadSnapshot {
  private final Set<Thread> before;

  private ThreadSnapshot(Set<Thread> before) {
    this.before = before;
  }

  static ThreadSnapshot take() {
    return new ThreadSnapshot(Set.copyOf(Thread.getAllStackTraces().keySet()));
  }

  /** Threads alive now that were not alive at the snapshot and are not {@code ignored}. */
  List<Thread> newThreads(Predicate<Thread> ignored) {
    List<Thread> started = new ArrayList<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.isAlive() && !before.contains(thread) && !ignored.test(thread)) {
        started.add(thread);
      }
    }
    return started;
  }

  /** Names and stacks, so a leak report says where each thread is stuck. */
  static String describe(List<Thread> threads) {
    StringBuilder text = new StringBuilder();
    Map<Thread, StackTraceElement[]> stacks = Thread.getAllStackTraces();
    for (Thread thread : threads) {
      text.append("\n  \"").append(thread.getName()).append("\" ").append(thread.getState());
      if (thread.isDaemon()) {
        text.append(" daemon");
      }
      StackTraceElement[] stack = stacks.getOrDefault(thread, new StackTraceElement[0]);
      for (int i = 0; i < Math.min(8, stack.length); i++) {
        text.append("\n      at ").append(stack[i]);
      }
    }
    return text.toString();
  }
}
