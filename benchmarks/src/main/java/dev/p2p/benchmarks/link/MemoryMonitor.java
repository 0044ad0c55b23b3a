package dev.p2p.benchmarks.link;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * Samples the JVM's direct-buffer pool every 100 ms and keeps the peak: a sender whose {@code send}
 * futures complete while its transport buffers without bound shows it here. With {@code
 * -Dlink.monitor=true} it also logs the pool and the heap once a second on standard error.
 */
final class MemoryMonitor {
  private static volatile long peakDirect;

  private MemoryMonitor() {}

  static long peakDirectBytes() {
    return Math.max(peakDirect, direct());
  }

  static void start(boolean log) {
    Thread t =
        new Thread(
            () -> {
              long t0 = System.nanoTime();
              for (int tick = 0; ; tick++) {
                long used = direct();
                peakDirect = Math.max(peakDirect, used);
                if (log && tick % 10 == 0) {
                  Runtime rt = Runtime.getRuntime();
                  System.err.printf(
                      "MEM t=%dms direct=%dMiB heap=%dMiB%n",
                      (System.nanoTime() - t0) / 1_000_000,
                      used >> 20,
                      (rt.totalMemory() - rt.freeMemory()) >> 20);
                }
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "memory-monitor");
    t.setDaemon(true);
    t.start();
  }

  private static long direct() {
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        return pool.getMemoryUsed();
      }
    }
    return 0;
  }
}
