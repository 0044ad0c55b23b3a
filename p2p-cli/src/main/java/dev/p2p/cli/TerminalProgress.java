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
  private final ProgressBar bar;
  private final Supplier<String> path;
  private String shownPath;

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
    showPath();
  }

  @Override
  public void update(long bytes) {
    bar.stepTo(bytes);
    showPath();
  }

  @Override
  public void finish(long bytes) {
    bar.stepTo(Math.max(bytes, 1));
    showPath();
  }

  /** Looked at on every update (a field read and a short string): a path change shows at once. */
  private void showPath() {
    String p = path.get();
    if (!p.equals(shownPath)) {
      shownPath = p;
      bar.setExtraMessage(p);
    }
  }

  /** What the bar shows after the count, for tests. */
  String shownPath() {
    return bar.getExtraMessage();
  }

  @Override
  public void close() {
    bar.close();
  }
}
