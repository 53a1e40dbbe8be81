package io.scaleprotoseg.samples;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_WARNING;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FFmpeg's log, taken from its stderr: errors are kept (the last few) so that a failure's message
 * can quote FFmpeg's own reason ("moov atom not found", "File ended prematurely"); warnings go to
 * the debug log. Installed once per process; FFmpeg calls it from its own threads too.
 */
final class FfmpegLog extends LogCallback {
    private static final Logger LOG = LoggerFactory.getLogger(FfmpegLog.class);
    private static final int KEPT = 8;
    private static final FfmpegLog INSTANCE = new FfmpegLog();
    private static boolean installed;

    private final Deque<String> errors = new ArrayDeque<>();
    private long errorCount;

    private FfmpegLog() {
        retainReference(); // FFmpeg holds the function pointer for the life of the process
    }

    /** Routes FFmpeg's log here (idempotent). */
    static synchronized void install() {
        if (!installed) {
            avutil.av_log_set_level(AV_LOG_WARNING);
            avutil.setLogCallback(INSTANCE);
            installed = true;
        }
    }

    /** Forgets the errors seen so far and returns how many there were. */
    static long reset() {
        synchronized (INSTANCE) {
            long n = INSTANCE.errorCount;
            INSTANCE.errors.clear();
            INSTANCE.errorCount = 0;
            return n;
        }
    }

    /** The errors logged since the last {@link #reset()} (the last few), oldest first. */
    static List<String> errors() {
        synchronized (INSTANCE) {
            return new ArrayList<>(INSTANCE.errors);
        }
    }

    /** How many errors were logged since the last {@link #reset()}. */
    static long errorCount() {
        synchronized (INSTANCE) {
            return INSTANCE.errorCount;
        }
    }

    /** The kept errors as one clause for a message, or "" when there are none. */
    static String quoted() {
        List<String> e = errors();
        return e.isEmpty() ? "" : " (FFmpeg: " + String.join("; ", e) + ")";
    }

    @Override
    public void call(int level, BytePointer msg) {
        if (level > AV_LOG_WARNING) {
            return; // FFmpeg hands every level to a custom callback; info and below are noise here
        }
        // "[matroska,webm @ 0x55d1c0] Duplicate element": the context's address says nothing to a reader
        String text = msg.getString().strip().replaceFirst("^\\[([^\\]]*?) @ 0x[0-9a-fA-F]+\\] ", "[$1] ");
        if (text.isEmpty()) {
            return;
        }
        if (level <= AV_LOG_ERROR) {
            synchronized (this) {
                errorCount++;
                if (errors.size() == KEPT) {
                    errors.removeFirst();
                }
                if (!errors.contains(text)) {
                    errors.addLast(text);
                }
            }
        }
        LOG.debug("ffmpeg: {}", text);
    }
}
