package io.scaleprotoseg.runtime.trt;

import java.util.ArrayDeque;
import java.util.Deque;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TensorRT's log, forwarded to SLF4J (logger {@code io.scaleprotoseg.runtime.trt.TensorRT}):
 * internal errors and errors at ERROR, warnings at WARN, info at DEBUG, verbose at TRACE. The last
 * errors are also kept so that exceptions can quote them.
 *
 * <p>TensorRT treats the logger as a process-wide singleton and may call it from its own threads;
 * there is one instance, created after the natives have loaded and never freed.
 */
final class TrtLogger extends ILogger {
    private static final Logger LOG = LoggerFactory.getLogger("io.scaleprotoseg.runtime.trt.TensorRT");
    private static final int KEPT = 16;
    private static TrtLogger instance;

    private final Deque<String> errors = new ArrayDeque<>();

    private TrtLogger() {
    }

    /** The logger (natives must be loaded). */
    static synchronized TrtLogger get() {
        if (instance == null) {
            instance = new TrtLogger();
        }
        return instance;
    }

    @Override
    public void log(Severity severity, String msg) {
        int level = severity == null ? 1 : severity.value;
        switch (level) {
            case 0, 1 -> {
                LOG.error("{}", msg);
                synchronized (errors) {
                    if (errors.size() == KEPT) {
                        errors.removeFirst();
                    }
                    errors.addLast(msg);
                }
            }
            case 2 -> LOG.warn("{}", msg);
            case 3 -> LOG.debug("{}", msg);
            default -> LOG.trace("{}", msg);
        }
    }

    /** Forgets the kept errors (before an operation whose errors are to be quoted). */
    void clearErrors() {
        synchronized (errors) {
            errors.clear();
        }
    }

    /** The errors kept since the last {@link #clearErrors()}, joined; empty when none. */
    String recentErrors() {
        synchronized (errors) {
            return String.join(" | ", errors);
        }
    }
}
