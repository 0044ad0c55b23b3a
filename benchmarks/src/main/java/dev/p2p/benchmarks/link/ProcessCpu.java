package dev.p2p.benchmarks.link;

import dev.p2p.testkit.lab.LabProcess;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of a child, from {@code /proc/PID/stat}: what a row's CPU columns are made of. */
public final class ProcessCpu {
  private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private ProcessCpu() {}

  /** User + system CPU time of the whole process so far, in nanoseconds; -1 once it has ended. */
  public static long nanos(LabProcess child) {
    try {
      return statNanos(Path.of("/proc", Long.toString(child.pid()), "stat"));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * The part of {@link #nanos} spent by the JIT compiler threads ({@code C1/C2 CompilerThread}), so
   * far; -1 once the process has ended. A row's CPU per GiB includes the compiler while it is still
   * compiling the hot path: with a short warm-up that is a large share, and it says whether the
   * warm-up was long enough.
   */
  public static long jitNanos(LabProcess child) {
    Path tasks = Path.of("/proc", Long.toString(child.pid()), "task");
    long sum = 0;
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      for (Path t : threads) {
        String comm;
        try {
          comm = Files.readString(t.resolve("comm")).strip();
          if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
            sum += statNanos(t.resolve("stat"));
          }
        } catch (IOException e) {
          // The thread ended meanwhile: its time is in nobody's sum (compiler threads stay).
        }
      }
      return sum;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long statNanos(Path stat) throws IOException {
    String s = Files.readString(stat);
    // Fields after the command name (which may hold spaces) start after the last ')'.
    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
    return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
  }
}
