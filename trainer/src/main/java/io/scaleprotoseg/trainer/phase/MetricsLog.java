package io.scaleprotoseg.trainer.phase;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The run's JSON-lines metrics log ({@code metrics.jsonl}): one object per update or validation,
 * flushed as written so that a killed run keeps what it logged. A resumed run first cuts the log
 * back to the length its checkpoint recorded, then appends: no update appears twice.
 *
 * <p>An update's record: {@code phase}, {@code step} (within the phase), {@code update} (within
 * the run), {@code total} (the weighted objective the update minimised, {@link StageObjective}),
 * then each term unweighted: {@code ce} always, {@code div} in the stage-1 warm-up and joint
 * phases, {@code l1} in the fine-tunes and stage 2, {@code entropy} in stage 2; each is the mean
 * over the update's micro-batches (and over the outputs with multi-scale input); then {@code lr}
 * and, for an update skipped for a non-finite loss or gradient, {@code skipped}. A validation's
 * record: {@code phase}, {@code step}, {@code update}, {@code valMiou}, {@code valPixelAccuracy}.
 */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private final BufferedWriter out;
    private final Path file;

    public MetricsLog(Path file) throws IOException {
        this.file = file;
        Files.createDirectories(file.toAbsolutePath().getParent());
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Appends one record. */
    public synchronized void write(Map<String, Object> record) throws IOException {
        out.write(JSON.writeValueAsString(record));
        out.newLine();
        out.flush();
    }

    /** The log's length in bytes, everything written so far included. */
    public synchronized long size() throws IOException {
        out.flush();
        return Files.size(file);
    }

    /**
     * Cuts {@code file} back to its first {@code bytes} bytes (what a checkpoint saw), so that a
     * resumed run does not log the updates after that checkpoint twice; returns the bytes removed.
     */
    public static long truncate(Path file, long bytes) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) <= bytes) {
            return 0;
        }
        long before = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(bytes);
        }
        return before - bytes;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
