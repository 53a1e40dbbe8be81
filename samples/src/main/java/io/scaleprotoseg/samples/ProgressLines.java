package io.scaleprotoseg.samples;

import java.io.PrintWriter;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Where the commands' progress bars are drawn: the command's stderr writer. On a terminal a bar
 * redraws in place (carriage return, colours); elsewhere (a pipe, a log file, a test) every render
 * is a plain ASCII line of its own, rendered at most every {@link #LOG_INTERVAL_MILLIS}, and only
 * when the count moved: no line before the first step, none repeated (the library renders a closing
 * bar twice, and again when closed after a validation). Lines of text ({@link #line}) never get mixed into a bar.
 */
final class ProgressLines implements ProgressBarConsumer {
    /** Refresh interval of a bar on a terminal. */
    static final int TERMINAL_INTERVAL_MILLIS = 250;
    /** Refresh interval of a bar written to a pipe or file. */
    static final int LOG_INTERVAL_MILLIS = 10_000;

    private final PrintWriter err;
    private final boolean terminal;
    private final int width;
    private volatile ProgressBar bar;
    private long lastCurrent = -1;

    ProgressLines(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
        int columns = 100;
        try {
            String c = System.getenv("COLUMNS");
            columns = c == null ? columns : Math.max(60, Integer.parseInt(c.strip()));
        } catch (NumberFormatException e) {
            // keep the default
        }
        this.width = terminal ? columns : 120;
    }

    /** Whether stderr is a terminal a person watches (this process has a console). */
    static boolean interactive() {
        return System.console() != null;
    }

    /** A new bar drawn here; the previous one should be closed first. */
    ProgressBar start(String task, long max, long startsAt, String unit) {
        ProgressBarBuilder b = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(Math.max(max, 1))
                .startsFrom(startsAt, Duration.ZERO)
                .setUpdateIntervalMillis(terminal ? TERMINAL_INTERVAL_MILLIS : LOG_INTERVAL_MILLIS)
                // colours and block characters only where a person watches; plain ASCII in logs
                .setStyle(terminal ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setConsumer(this);
        if (unit != null) {
            b.setUnit(unit, 1);
        }
        synchronized (this) {
            lastCurrent = -1;
            bar = null;
        }
        ProgressBar created = b.build();
        bar = created;
        return created;
    }

    /** Closes a bar (drawn complete) and ends its line on a terminal. */
    void finish(ProgressBar b) {
        b.close();
        synchronized (this) {
            if (terminal) {
                err.println();
                err.flush();
            }
            bar = null;
        }
    }

    /** A line of text of its own, also while a bar is drawn. */
    synchronized void line(String text) {
        ProgressBar b = bar;
        if (terminal && b != null) {
            // overwrite the bar; it redraws below on its next refresh
            err.print('\r' + text + " ".repeat(Math.max(0, width - text.length())) + System.lineSeparator());
        } else {
            if (b != null) {
                // what the bar has to say first, so that lines come in the order things happened
                b.refresh();
            }
            err.println(text);
        }
        err.flush();
    }

    @Override
    public int getMaxRenderedLength() {
        return width;
    }

    @Override
    public synchronized void accept(String rendered) {
        if (terminal) {
            err.print('\r' + rendered);
        } else {
            ProgressBar b = bar;
            long now = b == null ? -1 : b.getCurrent();
            if (b == null || now <= b.getStart() || now == lastCurrent) {
                return;
            }
            lastCurrent = now;
            err.println(rendered);
        }
        err.flush();
    }

    @Override
    public void close() {
        // the writer belongs to the command
    }
}
