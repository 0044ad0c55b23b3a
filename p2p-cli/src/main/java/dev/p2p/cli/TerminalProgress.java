package dev.p2p.cli;

import java.util.function.Supplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A live progress bar on stderr, drawn by the progressbar library on its own timer, ending with the
 * path the bytes take ("direct 10.0.0.2:4433", "relayed via http://relay:3340").
 */
final class TerminalProgress implements Progress {
  /** How often the path is looked at again: it seldom changes, and the bar redraws at 5 Hz. */
  private static final long PATH_REFRESH_NANOS = 200_000_000L;

  private final ProgressBar bar;
  private final Supplier<String> path;
  private long pathCheckedAt;

  TerminalProgress(String task, long total, Supplier<String> path) {
    this.path = path;
    bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(Math.max(total, 1))
            .setStyle(ProgressBarStyle.ASCII)
            .setUnit("MB", 1_000_000)
            .showSpeed()
            .setUpdateIntervalMillis(200)
            .setConsumer(new ConsoleProgressBarConsumer(System.err))
            .build();
    bar.setExtraMessage(path.get());
    pathCheckedAt = System.nanoTime();
  }

  @Override
  public void update(long bytes) {
    bar.stepTo(bytes);
    long now = System.nanoTime();
    if (now - pathCheckedAt > PATH_REFRESH_NANOS) {
      pathCheckedAt = now;
      bar.setExtraMessage(path.get());
    }
  }

  @Override
  public void finish(long bytes) {
    bar.stepTo(Math.max(bytes, 1));
    bar.setExtraMessage(path.get());
  }

  @Override
  public void close() {
    bar.close();
  }
}
