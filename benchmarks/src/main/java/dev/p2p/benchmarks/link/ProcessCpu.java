package dev.p2p.benchmarks.link;

import dev.p2p.testkit.lab.LabProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of a child, from {@code /proc/PID/stat}: what a row's CPU columns are made of. */
public final class ProcessCpu {
  private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private ProcessCpu() {}

  /** User + system CPU time of the whole process so far, in nanoseconds; -1 once it has ended. */
  public static long nanos(LabProcess child) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(child.pid()), "stat"));
      // Fields after the command name (which may hold spaces) start after the last ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
      return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
